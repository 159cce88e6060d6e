import ForgeCore
import Synchronization

/// The typed API over Forge's Redis layout: every state change is one script call.
///
/// Every call is safe to repeat after a lost reply (the scripts recognise a repeated enqueue by
/// job id, a repeated lease by request id, a repeated ack or fail by the token that ended the
/// job), so when a connection breaks mid-call, not knowing whether the call ran, the store sends
/// it once more on a fresh connection before it reports the failure.
public final class QueueStore: Sendable {
    public let redis: RedisClient
    public let keys: KeySpace
    /// How long a finished (completed or canceled) job stays in Redis once history has it;
    /// `GET /v1/jobs/{id}` reads history after. Redis memory follows the jobs in flight, not
    /// the throughput: at 2 000 jobs/s an hour of finished jobs was gigabytes.
    public let finishedRetentionMs: Int64
    /// How long a finished job stays in Redis until history has it: a day, or
    /// ``finishedRetentionMs`` if longer, so a Postgres outage hides no finished job.
    public var unarchivedRetentionMs: Int64 { max(Self.unarchivedHoldMs, finishedRetentionMs) }
    public static let unarchivedHoldMs: Int64 = 86_400_000
    /// Five seconds: a worker's ack repeated after a lost reply still finds its job; readers of a
    /// finished job find it in history, which has it before this starts.
    public static let defaultFinishedRetentionMs: Int64 = 5_000
    /// The default bound on the number of queues (`FORGE_MAX_QUEUES`): queue names come from
    /// callers, and each queue costs keys, scheduler work and metric series.
    public static let defaultMaxQueues = 1_000
    /// How often one enqueue registers a queue that deletes keep taking out.
    static let registrationRounds = 3

    /// Queue names by ``QueueName/tag``, as last read from Redis (``KeySpace/queueTag(_:)``),
    /// for finding a job's queue by its id (see ``locate(_:hint:)``); read again on a miss.
    let tagCache = Mutex<[UInt16: [QueueName]]>([:])
    /// Confirms an enqueue only once this many replicas have the jobs (`FORGE_WAIT_REPLICAS`):
    /// a master that dies at once then cannot take them with it.
    public let enqueueWait: ReplicaWait?

    public init(
        redis: RedisClient,
        keys: KeySpace = KeySpace(),
        finishedRetentionMs: Int64 = QueueStore.defaultFinishedRetentionMs,
        enqueueWait: ReplicaWait? = nil
    ) {
        self.redis = redis
        self.keys = keys
        self.finishedRetentionMs = finishedRetentionMs
        self.enqueueWait = enqueueWait
    }

    /// Enqueues jobs in one round trip and returns a result per job, in the order of `jobs`.
    ///
    /// One script call per queue (and per ``EnqueueScript/maxJobsPerCall`` jobs), pipelined. Each
    /// call succeeds or fails on its own: a queue under back-pressure or over the queue limit
    /// (``QueueError``) or a refused call fails only its own jobs, and those of the other calls are
    /// enqueued. A queue not in the registry yet (its first job, or its first since it was
    /// deleted) is refused by the script; it is registered, within `maxQueues`, and its calls sent
    /// again: two more round trips, once per queue. Throws only when Redis could not be reached
    /// (or, with ``enqueueWait``, replicas did not confirm the jobs in time:
    /// ``RedisError/Code/notReplicated``), in which case the whole call may be repeated with the
    /// same jobs without creating any twice.
    ///
    /// - Parameters:
    ///   - maxQueues: the most queues the registry may hold when a new one is created; `nil`: no
    ///     limit (the gateway passes its configured limit; the scheduler's cron ticks go to queues
    ///     the gateway accepted).
    ///   - idempotencyWindowMs: the jobs belong to an `Idempotency-Key` request; see ``EnqueueScript``.
    public func enqueueEach(
        _ jobs: [NewJob],
        maxQueues: Int? = nil,
        idempotencyWindowMs: Int64? = nil
    ) async throws(RedisError) -> [Result<EnqueueResult, any Error>] {
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
            EnqueueScript.call(
                keys.queue(group.queue),
                jobs: group.indices.map { jobs[$0] },
                idempotencyWindowMs: idempotencyWindowMs
            )
        }
        var replies = try await evaluateRepeatable(calls, wait: enqueueWait)
        // A delete racing the enqueue can take the queue out again between its registration and
        // the retry: a few rounds, then the refusal stands.
        for _ in 0..<Self.registrationRounds {
            let unregistered = groups.indices.filter {
                if case .error(let message) = replies[$0] { message.hasPrefix("UNREGISTERED") } else { false }
            }
            if unregistered.isEmpty { break }
            let queues = Array(Set(unregistered.map { groups[$0].queue })).sorted()
            let accepted = try await register(queues, maxQueues: maxQueues)
            let retry = unregistered.filter { accepted.contains(groups[$0].queue) }
            for index in unregistered where !accepted.contains(groups[index].queue) {
                replies[index] = .error("QUEUELIMIT \(maxQueues ?? 0)")
            }
            if !retry.isEmpty {
                for (index, reply) in zip(retry, try await evaluateRepeatable(retry.map { calls[$0] }, wait: enqueueWait)) {
                    replies[index] = reply
                }
            }
        }
        var results = [Result<EnqueueResult, any Error>?](repeating: nil, count: jobs.count)
        for (group, reply) in zip(groups, replies) {
            let parsed: Result<[EnqueueResult], any Error>
            if case .error(let message) = reply {
                parsed = .failure(Self.refusal(message, queue: group.queue, maxQueues: maxQueues))
            } else {
                parsed = Result { () throws(RedisError) in try EnqueueScript.parse(reply, queue: group.queue) }
                    .mapError { $0 as any Error }
            }
            switch parsed {
            case .success(let items):
                for (index, result) in zip(group.indices, items) { results[index] = .success(result) }
            case .failure(let error):
                for index in group.indices { results[index] = .failure(error) }
            }
        }
        return results.map { $0 ?? .failure(RedisError.unexpectedReply("enqueue", .null)) }
    }

    /// The error an enqueue script's error reply stands for.
    private static func refusal(_ message: String, queue: QueueName, maxQueues: Int?) -> any Error {
        if message.hasPrefix("BACKPRESSURE") { return QueueError.backpressure(queue) }
        if message.hasPrefix("QUEUELIMIT") { return QueueError.queueLimit(queue, limit: maxQueues ?? 0) }
        return RedisError.server(message)
    }

    /// Adds `queues` to the registry (within `maxQueues`), to the sets of their tags, and sets
    /// their `registered` markers, the marker last (it lets enqueues in); returns the queues that
    /// are registered now.
    func register(_ queues: [QueueName], maxQueues: Int?) async throws(RedisError) -> Set<QueueName> {
        let reply = try await evaluateRepeatable(RegisterQueuesScript.call(keys, queues, limit: maxQueues))
        let flags = reply.array ?? []
        let accepted = zip(queues, flags).filter { $0.1.int == 1 }.map(\.0)
        if !accepted.isEmpty {
            let replies = try await redis.pipeline(
                accepted.map { ["SADD", keys.queueTag($0.tag), $0.rawValue] } + accepted.map { ["SET", keys.queue($0).registered, "1"] }
            )
            for case .error(let message) in replies { throw RedisError.server(message) }
        }
        return Set(accepted)
    }

    /// Enqueues jobs in one round trip; results in the order of `jobs`. Throws the first failure
    /// (``QueueError`` when a queue is under back-pressure), though the jobs of other queues
    /// may have been enqueued: use ``enqueueEach(_:maxQueues:idempotencyWindowMs:)`` to know which.
    public func enqueue(_ jobs: [NewJob], maxQueues: Int? = nil, idempotencyWindowMs: Int64? = nil) async throws -> [EnqueueResult] {
        try await enqueueEach(jobs, maxQueues: maxQueues, idempotencyWindowMs: idempotencyWindowMs).map { try $0.get() }
    }

    public func enqueue(_ job: NewJob, maxQueues: Int? = nil, idempotencyWindowMs: Int64? = nil) async throws -> EnqueueResult {
        try await enqueue([job], maxQueues: maxQueues, idempotencyWindowMs: idempotencyWindowMs)[0]
    }

    /// Runs script calls in one round trip; when the connection breaks mid-call (a timeout, a
    /// dropped socket) the outcome is unknown, so the same calls go once more on a fresh
    /// connection. Only for calls that are safe to repeat (see the type's documentation).
    func evaluateRepeatable(_ calls: [ScriptCall], wait: ReplicaWait? = nil) async throws(RedisError) -> [RedisValue] {
        do {
            return try await redis.evaluate(calls, wait: wait)
        } catch  where error.code == .connectionBroken {
            return try await redis.evaluate(calls, wait: wait)
        }
    }

    /// One repeatable call; an error reply is thrown.
    func evaluateRepeatable(_ call: ScriptCall) async throws(RedisError) -> RedisValue {
        let reply = try await evaluateRepeatable([call])[0]
        if case .error(let message) = reply { throw RedisError.server(message) }
        return reply
    }
}
