/// Which scheduler replica leads, as the leader lock says (``KeySpace/leader``).
public struct LeaderInfo: Sendable, Hashable {
    /// The lock's value: the leading replica's id (`hostname-pid` unless configured).
    public var replica: String
    /// How long the lock lasts unless renewed; the leader renews it every third of its TTL, so
    /// a value near zero means the leader stopped renewing. `nil` if the lock has no expiry
    /// (never set that way by Forge).
    public var ttlMs: Int64?
    /// The fencing epoch of the latest leadership (``KeySpace/leaderEpoch``), `nil` if none was
    /// drawn (a lock written by something else).
    public var epoch: Int64?

    public init(replica: String, ttlMs: Int64?, epoch: Int64?) {
        self.replica = replica
        self.ttlMs = ttlMs
        self.epoch = epoch
    }
}

extension QueueStore {
    /// The scheduler leader, or `nil` while no replica holds the lock; one round trip (the lock
    /// and its epoch share a slot).
    public func leader() async throws(RedisError) -> LeaderInfo? {
        let replies = try await redis.pipeline([["GET", keys.leader], ["PTTL", keys.leader], ["GET", keys.leaderEpoch]])
        for case .error(let message) in replies { throw RedisError.server(message) }
        // PTTL -2: the lock expired between the two reads.
        guard let replica = replies[0].string, let ttl = replies[1].int, ttl != -2 else { return nil }
        return LeaderInfo(replica: replica, ttlMs: ttl >= 0 ? ttl : nil, epoch: replies[2].int)
    }
}
