import ForgeCore

/// Leases and their ends: lease, ack (with lease-next), fail, heartbeat, release.
extension QueueStore {
    /// Leases up to `count` jobs from `queue`.
    public func lease(
        queue: QueueName,
        count: Int,
        visibilityMs: Int64,
        worker: String
    ) async throws(RedisError) -> [LeasedJob] {
        let call = LeaseScript.call(
            keys.queue(queue),
            count: count,
            visibilityMs: visibilityMs,
            worker: worker,
            requestID: Self.requestID(),
            retentionMs: unarchivedRetentionMs
        )
        return try LeaseScript.parseJobs(try await evaluateRepeatable(call), queue: queue)
    }

    /// Completes jobs of one queue and leases up to `leaseNext` more in the same round trip.
    ///
    /// More than ``AckScript/maxAcksPerCall`` completions go as several calls in one pipeline, the
    /// lease riding on the last.
    public func complete(
        queue: QueueName,
        _ completions: [Completion],
        leaseNext: Int = 0,
        visibilityMs: Int64 = 30_000,
        worker: String = ""
    ) async throws(RedisError) -> AckOutcome {
        let cleaned = completions.map { Completion(id: $0.id, token: $0.token, result: $0.result.map(EventText.clean)) }
        let chunks = stride(from: 0, to: max(cleaned.count, 1), by: AckScript.maxAcksPerCall).map {
            cleaned[$0..<min($0 + AckScript.maxAcksPerCall, cleaned.count)]
        }
        let calls = chunks.enumerated().map { index, chunk in
            let last = index == chunks.count - 1
            return AckScript.call(
                keys.queue(queue),
                acks: chunk,
                retentionMs: unarchivedRetentionMs,
                leaseNext: last ? leaseNext : 0,
                visibilityMs: visibilityMs,
                worker: worker,
                requestID: last ? Self.requestID() : ""
            )
        }
        var outcome = AckOutcome(completed: [], leased: [])
        for reply in try await evaluateRepeatable(calls) {
            if case .error(let message) = reply { throw RedisError.server(message) }
            let part = try AckScript.parse(reply, queue: queue)
            outcome.completed += part.completed
            outcome.repeated += part.repeated
            outcome.leased += part.leased
        }
        return outcome
    }

    /// Records a failed attempt; retries after `retryDelayMs` if `retryable` and attempts remain.
    public func fail(
        queue: QueueName,
        _ lease: LeaseRef,
        error: String,
        retryable: Bool,
        retryDelayMs: Int64
    ) async throws(RedisError) -> FailOutcome {
        try await failReply(queue: queue, lease, error: error, retryable: retryable, retryDelayMs: retryDelayMs).outcome
    }

    /// ``fail(queue:_:error:retryable:retryDelayMs:)``, also telling whether an earlier fail with
    /// the same token had already done it (for callers that may repeat a call: the lease API).
    public func failReply(
        queue: QueueName,
        _ lease: LeaseRef,
        error: String,
        retryable: Bool,
        retryDelayMs: Int64
    ) async throws(RedisError) -> FailReply {
        let call = FailScript.call(
            keys.queue(queue),
            id: lease.id,
            token: lease.token,
            error: EventText.error(error),
            retryable: retryable,
            delayMs: retryDelayMs,
            retentionMs: unarchivedRetentionMs
        )
        return try FailScript.parse(try await evaluateRepeatable(call))
    }

    /// How long after a failure of its current attempt `id` is due again by its own backoff (what
    /// the Swift worker passes as `retryDelayMs`), for callers that hold only the lease: one
    /// `HMGET`; `nil` when the queue does not hold the job.
    public func backoffDelayMs(_ id: JobID, queue: QueueName) async throws(RedisError) -> Int64? {
        let reply = try await redis.command(["HMGET", keys.queue(queue).job(id), "spec", "attempts"])
        guard let fields = reply.array, fields.count == 2, let packed = fields[0].string, let spec = JobSpec(packed: packed) else {
            return nil
        }
        return spec.backoff.delayMs(afterAttempt: Int(fields[1].string.flatMap { Int64($0) } ?? 1))
    }

    /// Heartbeat for leases of one queue.
    public func extend(
        queue: QueueName,
        _ leases: [LeaseRef],
        visibilityMs: Int64
    ) async throws(RedisError) -> [ExtendOutcome] {
        guard !leases.isEmpty else { return [] }
        let call = ExtendScript.call(
            keys.queue(queue),
            leases: leases,
            visibilityMs: visibilityMs,
            retentionMs: unarchivedRetentionMs
        )
        return try ExtendScript.parse(try await evaluateRepeatable(call))
    }

    /// Gives unfinished leases back to the queue at once (graceful drain); returns how many moved.
    @discardableResult
    public func release(queue: QueueName, _ leases: [LeaseRef]) async throws(RedisError) -> Int {
        guard !leases.isEmpty else { return 0 }
        let call = ReleaseScript.call(keys.queue(queue), leases: leases, retentionMs: unarchivedRetentionMs)
        return Int(try await evaluateRepeatable(call).int ?? 0)
    }

    /// A fresh id that lets a lease call be repeated safely.
    static func requestID() -> String { JobID.generate().rawValue }
}
