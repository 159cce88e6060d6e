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
    /// How long a finished (completed or canceled) job stays readable in Redis; Postgres keeps it after.
    public let finishedRetentionMs: Int64

    /// Queues this store added to the registry lately: enqueueing into them skips the registry
    /// call (a second script per enqueue). They register again after a reconnect (Redis may have
    /// restarted empty) and every few seconds anyway (a deleted queue, a flushed Redis).
    private let registered = Mutex<(connections: Int, at: [QueueName: ContinuousClock.Instant])>((0, [:]))
    static let registrationRefresh: Duration = .seconds(10)

    public init(redis: RedisClient, keys: KeySpace = KeySpace(), finishedRetentionMs: Int64 = 3_600_000) {
        self.redis = redis
        self.keys = keys
        self.finishedRetentionMs = finishedRetentionMs
    }

    /// Enqueues jobs in one round trip and returns a result per job, in the order of `jobs`.
    ///
    /// One script call per queue (and per ``EnqueueScript/maxJobsPerCall`` jobs), pipelined, plus
    /// the queue registry update. Each call succeeds or fails on its own: a queue under
    /// back-pressure (``QueueError``) or a refused call fails only its own jobs, and those of the
    /// other calls are enqueued. Throws only when Redis could not be reached, in which case the
    /// whole call may be repeated with the same jobs without creating any twice.
    public func enqueueEach(_ jobs: [NewJob]) async throws(RedisError) -> [Result<EnqueueResult, any Error>] {
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
        let now = ContinuousClock.now
        let connections = redis.connectionsMade
        let unregistered = registered.withLock { registered in
            if registered.connections != connections { registered = (connections, [:]) }
            return Set(groups.map(\.queue)).filter { registered.at[$0].map { now - $0 > Self.registrationRefresh } ?? true }
        }
        let names = unregistered.map(\.rawValue).sorted()
        let registry = names.isEmpty ? [] : [ScriptCall(Self.registerQueues, keys: [keys.queues], arguments: names)]
        let replies = try await evaluateRepeatable(calls + registry)
        if let reply = replies.last, !names.isEmpty, reply.int != nil {
            registered.withLock { registered in for queue in unregistered { registered.at[queue] = now } }
        }
        var results = [Result<EnqueueResult, any Error>?](repeating: nil, count: jobs.count)
        for (group, reply) in zip(groups, replies) {
            let parsed: Result<[EnqueueResult], any Error>
            if case .error(let message) = reply {
                let error: any Error =
                    message.hasPrefix("BACKPRESSURE") ? QueueError.backpressure(group.queue) : RedisError.server(message)
                parsed = .failure(error)
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

    /// Enqueues jobs in one round trip; results in the order of `jobs`. Throws the first failure
    /// (``QueueError`` when a queue is under back-pressure), though the jobs of other queues
    /// may have been enqueued: use ``enqueueEach(_:)`` to know which.
    public func enqueue(_ jobs: [NewJob]) async throws -> [EnqueueResult] {
        try await enqueueEach(jobs).map { try $0.get() }
    }

    public func enqueue(_ job: NewJob) async throws -> EnqueueResult {
        try await enqueue([job])[0]
    }

    /// Runs script calls in one round trip; when the connection breaks mid-call (a timeout, a
    /// dropped socket) the outcome is unknown, so the same calls go once more on a fresh
    /// connection. Only for calls that are safe to repeat (see the type's documentation).
    func evaluateRepeatable(_ calls: [ScriptCall]) async throws(RedisError) -> [RedisValue] {
        do {
            return try await redis.evaluate(calls)
        } catch where error.code == .connectionBroken {
            return try await redis.evaluate(calls)
        }
    }

    /// One repeatable call; an error reply is thrown.
    func evaluateRepeatable(_ call: ScriptCall) async throws(RedisError) -> RedisValue {
        let reply = try await evaluateRepeatable([call])[0]
        if case .error(let message) = reply { throw RedisError.server(message) }
        return reply
    }

    /// Adds queue names to the registry; idempotent.
    static let registerQueues = LuaScript(name: "register-queues", source: "return redis.call('SADD', KEYS[1], unpack(ARGV))")
}
