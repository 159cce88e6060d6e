import Testing

/// The suites that start whole stacks or private servers of their own (clusters made with
/// initdb, several processes each). Nested here, they run one after another instead of all at
/// once beside the rest of the suite: together they would starve timing-sensitive tests (leader
/// failover, pickup latency) of the machine's two cores.
@Suite(.serialized) enum OneStackAtATime {}
