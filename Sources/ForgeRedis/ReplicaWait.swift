/// Redis replicates asynchronously: a write its master confirmed is lost if the master dies
/// before a replica received it, and the replica is promoted without it. A call made with a
/// `ReplicaWait` is confirmed only once `replicas` replicas have acknowledged it (`WAIT`), or
/// fails with ``RedisError/Code/notReplicated`` after `timeoutMs` (the write is then on the
/// master, not known to be anywhere else).
///
/// One `WAIT` covers every write made before it on the same connection, so a lane sends one per
/// round trip, after all of that round trip's calls: callers arriving together share it (group
/// commit), and the cost is one replica round trip per batch, not per call.
public struct ReplicaWait: Sendable, Hashable {
    public var replicas: Int
    public var timeoutMs: Int

    public init(replicas: Int, timeoutMs: Int) {
        self.replicas = replicas
        self.timeoutMs = timeoutMs
    }

    /// The `WAIT` that covers every call of a round trip: the most replicas and the longest
    /// timeout any of them asked for.
    static func command(covering waits: some Sequence<ReplicaWait>) -> [String]? {
        var replicas = 0
        var timeoutMs = 0
        for wait in waits {
            replicas = max(replicas, wait.replicas)
            timeoutMs = max(timeoutMs, wait.timeoutMs)
        }
        return replicas > 0 ? ["WAIT", String(replicas), String(timeoutMs)] : nil
    }

    /// What the `WAIT` reply (`acknowledged` replicas, or an error) means for a call that asked
    /// for this.
    func outcome(_ reply: Result<RedisValue, RedisError>) -> RedisError? {
        switch reply {
        case .failure(let error):
            return error
        case .success(.error(let message)):
            return RedisError.server("WAIT: \(message)")
        case .success(let value):
            let acknowledged = Int(value.int ?? 0)
            guard acknowledged < replicas else { return nil }
            return RedisError(
                code: .notReplicated,
                message:
                    "the write is on the master, but \(acknowledged) of \(replicas) replicas acknowledged it within \(timeoutMs) ms: a failover now could lose it"
            )
        }
    }
}
