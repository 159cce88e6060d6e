import ForgeCore
import ForgeRedis
import Hummingbird

/// The lease API: workers in any language lease jobs over HTTP and report back, under exactly
/// the fencing rules of the Swift worker (the same scripts run for both).
///
/// - `POST /v1/queues/{queue}/lease {count, visibility_ms, wait_ms, worker}`: up to `count` jobs,
///   waiting up to `wait_ms` for the first when the queue is empty (``LeaseWaitRoom``).
/// - `POST /v1/jobs/{id}/ack {token, result}`, `/fail {token, error, retryable, retry_in_ms}`,
///   `/heartbeat {token, extend_ms}`; a lease that is no longer the caller's is a 409 and changes
///   nothing. A repeated ack or fail answers as the first did, so a client may retry after a
///   lost answer.
/// - `POST /v1/jobs/ack` and `POST /v1/jobs/heartbeat`: the batch forms, one Redis round trip per
///   queue, a stale item refused in place.
///
/// Every request counts against its token's rate limit like any other `/v1` request.
struct LeaseRoutes<Context: RequestContext>: Sendable {
    let configuration: GatewayConfiguration
    let dependencies: GatewayDependencies

    static var defaultVisibilityMs: Int64 { 30_000 }
    static var defaultWorker: String { "remote" }

    var metrics: RemoteWorkerMetrics { RemoteWorkerMetrics(metrics: dependencies.metrics) }

    func register(on v1: RouterGroup<Context>) {
        v1.post("queues/{queue}/lease") { request, context in try await lease(context.parameters.require("queue"), request) }
        v1.post("jobs/ack") { request, _ in try await ackBatch(request) }
        v1.post("jobs/heartbeat") { request, _ in try await heartbeatBatch(request) }
        v1.post("jobs/{id}/ack") { request, context in try await ack(context.parameters.require("id"), request) }
        v1.post("jobs/{id}/fail") { request, context in try await fail(context.parameters.require("id"), request) }
        v1.post("jobs/{id}/heartbeat") { request, context in try await heartbeat(context.parameters.require("id"), request) }
    }

    /// `POST /v1/queues/{queue}/lease`: 200 `{jobs: [...]}`, empty when nothing came within
    /// `wait_ms` (or the gateway is shutting down).
    func lease(_ queueText: String, _ request: Request) async throws -> Response {
        let queue = try QueueName(queueText)
        var reader = try await RequestBody.object(request, limit: configuration.maxBodyBytes)
        let count = try reader.int("count") ?? 1
        guard (1...configuration.maxBatchSize).contains(count) else {
            throw ValidationError(field: "count", reason: "must be between 1 and \(configuration.maxBatchSize)")
        }
        let visibilityMs = try Self.milliseconds(&reader, "visibility_ms", in: LeasedJob.visibilityMsRange) ?? Self.defaultVisibilityMs
        let waitMs = min(
            try Self.milliseconds(&reader, "wait_ms", in: GatewayConfiguration.leaseWaitMsRange) ?? 0,
            configuration.maxLeaseWaitMs
        )
        let worker =
            try reader.string("worker").map { (text: String) throws(ValidationError) in try JobType(text, field: "worker").rawValue }
            ?? Self.defaultWorker
        try reader.finish()
        let roster = dependencies.remoteWorkers
        let tracked = roster.leaseStarted(worker: worker, queue: queue, count: count, now: WallClock.nowMilliseconds())
        defer { if tracked { roster.leaseEnded(worker: worker, now: WallClock.nowMilliseconds()) } }

        let deadline = ContinuousClock.now + .milliseconds(waitMs)
        while true {
            let jobs = try await dependencies.queues.lease(
                queue: queue,
                count: count,
                visibilityMs: visibilityMs,
                worker: worker
            )
            if !jobs.isEmpty {
                metrics.leased(jobs)
                return JSONResponse.make(LeasedJobsView(jobs: jobs).written())
            }
            let started = ContinuousClock.now
            guard deadline > started else { break }
            let outcome = await dependencies.leaseRoom.wait(for: queue, timeout: deadline - started, limit: configuration.maxLeaseWaiters)
            metrics.waited(queue, ContinuousClock.now - started)
            switch outcome {
            case .woken: continue
            case .timedOut, .closed: break
            case .full: throw Problem.tooManyLeaseWaiters(limit: configuration.maxLeaseWaiters)
            }
            break
        }
        return JSONResponse.make(LeasedJobsView(jobs: []).written())
    }

    /// `POST /v1/jobs/{id}/ack`: 200 `{id, state: completed}`.
    func ack(_ idText: String, _ request: Request) async throws -> Response {
        let id = try JobID(idText)
        var reader = try await RequestBody.object(request, limit: configuration.maxBodyBytes)
        let token = try Self.token(&reader)
        let result = try Self.result(&reader)
        try reader.finish()
        guard let lease = RemoteLease(text: token) else { throw Problem.staleLease(id) }
        let outcome = try await dependencies.queues.complete(queue: lease.queue, [Completion(id: id, token: lease.token, result: result)])
        guard outcome.completed.first == true else {
            metrics.lost(lease)
            throw Problem.staleLease(id)
        }
        if outcome.repeated.first != true { metrics.completed(lease) }
        return JSONResponse.make(LeaseAnswer.completed(id).written())
    }

    /// `POST /v1/jobs/{id}/fail`: 200 `{id, state, retry_at}`: `retrying` (at `retry_at`) while
    /// attempts remain and the failure is retryable, else `dead`; `canceled` when the job was
    /// canceled while it ran. Without `retry_in_ms` the job's own backoff decides when.
    func fail(_ idText: String, _ request: Request) async throws -> Response {
        let id = try JobID(idText)
        var reader = try await RequestBody.object(request, limit: configuration.maxBodyBytes)
        let token = try Self.token(&reader)
        let error = try reader.requiredString("error")
        let retryable = try reader.bool("retryable") ?? true
        let retryInMs = try Self.milliseconds(&reader, "retry_in_ms", in: 0...configuration.jobLimits.maxDelayMs)
        try reader.finish()
        guard let lease = RemoteLease(text: token) else { throw Problem.staleLease(id) }
        let delayMs: Int64
        if let retryInMs {
            delayMs = retryInMs
        } else {
            // The job's backoff after this attempt, as the Swift worker computes it.
            guard let backoff = try await dependencies.queues.backoffDelayMs(id, queue: lease.queue) else { throw Problem.staleLease(id) }
            delayMs = backoff
        }
        let reply = try await dependencies.queues.failReply(
            queue: lease.queue,
            lease.ref(id),
            error: error,
            retryable: retryable,
            retryDelayMs: delayMs
        )
        let outcome = reply.outcome
        if !reply.repeated { metrics.failed(lease, outcome) }
        if outcome == .stale { throw Problem.staleLease(id) }
        return JSONResponse.make(LeaseAnswer.failed(id, outcome).written())
    }

    /// `POST /v1/jobs/{id}/heartbeat`: 200 `{id, state: active, deadline, cancel_requested: false}`
    /// with the lease extended by `extend_ms` from now; `{state: canceled, deadline: null,
    /// cancel_requested: true}` when the job was canceled (stop working on it; its lease ended).
    func heartbeat(_ idText: String, _ request: Request) async throws -> Response {
        let id = try JobID(idText)
        var reader = try await RequestBody.object(request, limit: configuration.maxBodyBytes)
        let token = try Self.token(&reader)
        let extendMs = try Self.milliseconds(&reader, "extend_ms", in: LeasedJob.visibilityMsRange) ?? Self.defaultVisibilityMs
        try reader.finish()
        guard let lease = RemoteLease(text: token) else { throw Problem.staleLease(id) }
        let outcome = try await dependencies.queues.extend(queue: lease.queue, [lease.ref(id)], visibilityMs: extendMs).first ?? .stale
        if outcome == .stale { throw Problem.staleLease(id) }
        return JSONResponse.make(LeaseAnswer.heartbeat(id, outcome).written())
    }

    /// The required `token`: a non-empty string (what it holds is the scripts' to judge).
    static func token(_ reader: inout ObjectReader) throws(ValidationError) -> String {
        let token = try reader.requiredString("token")
        guard !token.isEmpty else { throw reader.invalid("token", "must not be empty") }
        return token
    }

    /// An optional whole number of milliseconds, range-checked, naming the field.
    static func milliseconds(_ reader: inout ObjectReader, _ key: String, in range: ClosedRange<Int64>) throws(ValidationError) -> Int64? {
        guard let value = try reader.int64(key) else { return nil }
        guard range.contains(value) else { throw reader.invalid(key, "must be between \(range.lowerBound) and \(range.upperBound)") }
        return value
    }

    /// `result`: any JSON value, stored as sent; U+0000 is refused as in payloads.
    static func result(_ reader: inout ObjectReader) throws(RequestError) -> String? {
        guard let result = reader.json("result") else { return nil }
        if result.hasNull {
            throw .unprocessable(reader.invalid("result", "must not contain U+0000 (\\u0000): the job's history cannot store it"))
        }
        return result.text
    }
}
