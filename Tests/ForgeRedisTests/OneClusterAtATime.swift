import Testing

/// The suites that form Redis Clusters of their own (three servers each, joined over the cluster
/// bus). Nested here, they form one at a time: several forming at once on two cores, beside the
/// rest of the suite, made one miss its deadline.
@Suite(.serialized) enum OneClusterAtATime {}
