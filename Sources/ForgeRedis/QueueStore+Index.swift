import ForgeCore

/// The namespace's indexes of queues with work for the scheduler leader (``KeySpace/due``,
/// ``KeySpace/unarchived``), so its duties visit the queues that need them, not every queue.
extension QueueStore {
    /// Queues whose promote or reclaim may find work now (at most `limit`, earliest first). On a
    /// Redis Cluster, where the scripts keep no index (``LuaScript/withoutIndexes``), every queue.
    public func dueQueues(limit: Int = 1000) async throws(RedisError) -> [QueueName] {
        try await due(limit: limit).queues
    }

    /// ``dueQueues(limit:)`` and how long until the index names another queue: a duty can sleep
    /// until then instead of a whole interval. On a Redis Cluster, every queue and no time.
    public func due(limit: Int = 1000) async throws(RedisError) -> DueQueues {
        if redis.configuration.cluster { return DueQueues(queues: try await queueNames(), nextIn: nil) }
        let reply = try await redis.evaluate(DueQueuesScript.call(keys, limit: limit)).array ?? []
        let wait = reply.first?.int ?? -1
        return DueQueues(queues: names(.array(Array(reply.dropFirst()))), nextIn: wait < 0 ? nil : .milliseconds(wait))
    }

    /// Queues whose event stream holds entries history does not have yet. On a Redis Cluster,
    /// every queue.
    public func unarchivedQueues() async throws(RedisError) -> [QueueName] {
        if redis.configuration.cluster { return try await queueNames() }
        return names(try await redis.command(["SMEMBERS", keys.unarchived])).sorted()
    }

    /// Those of `queues` with a job in a ready list (paused or not), in one round trip: how an
    /// idle worker of many queues checks for work a lost wake-up token hid, without a lease call
    /// per queue.
    public func queuesWithReadyJobs(among queues: [QueueName]) async throws(RedisError) -> [QueueName] {
        try await self.queues(queues, havingAnyOf: \.readyLists)
    }

    /// Those of `queues` with dead letters, in one round trip: the only ones the janitor can trim.
    public func queuesWithDeadLetters(among queues: [QueueName]) async throws(RedisError) -> [QueueName] {
        try await self.queues(queues, havingAnyOf: \.deadList)
    }

    /// Those of `queues` where one of the keys `of` names exists: one `EXISTS` per queue, pipelined.
    private func queues(
        _ queues: [QueueName],
        havingAnyOf of: KeyPath<QueueKeys, [String]>
    ) async throws(RedisError) -> [QueueName] {
        guard !queues.isEmpty else { return [] }
        let replies = try await redis.pipeline(queues.map { ["EXISTS"] + keys.queue($0)[keyPath: of] })
        return zip(queues, replies).compactMap { queue, reply in (reply.int ?? 0) > 0 ? queue : nil }
    }

    private func names(_ reply: RedisValue) -> [QueueName] {
        (reply.array ?? []).compactMap { $0.string.flatMap { try? QueueName($0) } }
    }
}

extension QueueKeys {
    fileprivate var deadList: [String] { [dead] }
}

/// What the due index says now: the queues with work due, and when the next entry comes due
/// (`nil`: none, or not known on a Redis Cluster).
public struct DueQueues: Sendable, Equatable {
    public var queues: [QueueName]
    public var nextIn: Duration?

    public init(queues: [QueueName], nextIn: Duration?) {
        self.queues = queues
        self.nextIn = nextIn
    }
}
