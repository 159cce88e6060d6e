import ForgeCore

/// The typed API over Forge's Redis layout: every state change is one script call.
public final class QueueStore: Sendable {
    public let redis: RedisClient
    public let keys: KeySpace
    /// How long a finished (completed or canceled) job stays readable in Redis; Postgres keeps it after.
    public let finishedRetentionMs: Int64

    public init(redis: RedisClient, keys: KeySpace = KeySpace(), finishedRetentionMs: Int64 = 3_600_000) {
        self.redis = redis
        self.keys = keys
        self.finishedRetentionMs = finishedRetentionMs
    }

    /// Enqueues jobs in one round trip: one script call per queue, pipelined, plus the queue
    /// registry update. Results come back in the order of `jobs`.
    ///
    /// Throws ``QueueError`` (code `historyBacklogFull`) when a queue is under back-pressure.
    public func enqueue(_ jobs: [NewJob]) async throws -> [EnqueueResult] {
        guard !jobs.isEmpty else { return [] }
        // Group by queue (one script call per queue and chunk), remembering request positions.
        var groups: [(queue: QueueName, indices: [Int])] = []
        var groupOfQueue: [QueueName: Int] = [:]
        for (index, job) in jobs.enumerated() {
            if let group = groupOfQueue[job.queue], groups[group].indices.count < EnqueueScript.maxJobsPerCall {
                groups[group].indices.append(index)
            } else {
                groupOfQueue[job.queue] = groups.count
                groups.append((job.queue, [index]))
            }
        }
        let calls = groups.map { group in
            EnqueueScript.call(keys.queue(group.queue), jobs: group.indices.map { jobs[$0] })
        }
        let names = Set(groups.map(\.queue.rawValue)).sorted()
        let registry = ScriptCall(Self.registerQueues, keys: [keys.queues], arguments: names)
        let replies = try await redis.evaluate(calls + [registry])
        var results = [EnqueueResult?](repeating: nil, count: jobs.count)
        for (group, reply) in zip(groups, replies) {
            if case .error(let message) = reply {
                if message.hasPrefix("BACKPRESSURE") { throw QueueError.backpressure(group.queue) }
                throw RedisError.server(message)
            }
            for (index, result) in zip(group.indices, try EnqueueScript.parse(reply, queue: group.queue)) {
                results[index] = result
            }
        }
        return results.map { $0! }
    }

    public func enqueue(_ job: NewJob) async throws -> EnqueueResult {
        try await enqueue([job])[0]
    }

    /// Leases up to `count` jobs from `queue`.
    public func lease(
        queue: QueueName, count: Int, visibilityMs: Int64, worker: String
    ) async throws(RedisError) -> [LeasedJob] {
        let reply = try await redis.evaluate(
            LeaseScript.call(keys.queue(queue), count: count, visibilityMs: visibilityMs, worker: worker)
        )
        return try LeaseScript.parseJobs(reply, queue: queue)
    }

    /// Completes jobs of one queue and leases up to `leaseNext` more in the same round trip.
    public func complete(
        queue: QueueName, _ completions: [Completion], leaseNext: Int = 0, visibilityMs: Int64 = 30_000,
        worker: String = ""
    ) async throws(RedisError) -> AckOutcome {
        let reply = try await redis.evaluate(
            AckScript.call(
                keys.queue(queue), acks: completions.map { Completion(id: $0.id, token: $0.token, result: $0.result.map(EventText.clean)) }, retentionMs: finishedRetentionMs, leaseNext: leaseNext,
                visibilityMs: visibilityMs, worker: worker
            )
        )
        return try AckScript.parse(reply, queue: queue)
    }

    /// Records a failed attempt; retries after `retryDelayMs` if `retryable` and attempts remain.
    public func fail(
        queue: QueueName, _ lease: LeaseRef, error: String, retryable: Bool, retryDelayMs: Int64
    ) async throws(RedisError) -> FailOutcome {
        let reply = try await redis.evaluate(
            FailScript.call(
                keys.queue(queue), id: lease.id, token: lease.token, error: EventText.clean(error), retryable: retryable,
                delayMs: retryDelayMs
            )
        )
        return try FailScript.parse(reply)
    }

    /// Heartbeat for leases of one queue.
    public func extend(
        queue: QueueName, _ leases: [LeaseRef], visibilityMs: Int64
    ) async throws(RedisError) -> [ExtendOutcome] {
        guard !leases.isEmpty else { return [] }
        let reply = try await redis.evaluate(
            ExtendScript.call(
                keys.queue(queue), leases: leases, visibilityMs: visibilityMs, retentionMs: finishedRetentionMs
            )
        )
        return try ExtendScript.parse(reply)
    }

    /// Gives unfinished leases back to the queue at once (graceful drain); returns how many moved.
    @discardableResult
    public func release(queue: QueueName, _ leases: [LeaseRef]) async throws(RedisError) -> Int {
        guard !leases.isEmpty else { return 0 }
        let call = ReleaseScript.call(keys.queue(queue), leases: leases, retentionMs: finishedRetentionMs)
        return Int(try await redis.evaluate(call).int ?? 0)
    }

    /// Adds queue names to the registry; idempotent.
    static let registerQueues = LuaScript(name: "register-queues", source: "return redis.call('SADD', KEYS[1], unpack(ARGV))")
}
