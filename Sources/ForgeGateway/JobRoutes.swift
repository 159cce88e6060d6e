import ForgeCore
import ForgeObservability
import ForgePostgres
import ForgeRedis
import HTTPTypes
import Hummingbird
import Logging
import Prometheus

/// `/v1/jobs`: enqueue (one and batch), read, search and cancel.
///
/// There is no `DELETE /v1/jobs/{id}`: a job is never removed through the API (retention removes
/// finished jobs from history), and a cancel is not a delete, since the canceled job stays
/// readable. So cancel is its own action, `POST /v1/jobs/{id}/cancel`, and a DELETE is a 405.
struct JobRoutes<Context: RequestContext>: Sendable {
    let configuration: GatewayConfiguration
    let dependencies: GatewayDependencies

    func register(on v1: RouterGroup<Context>) {
        v1.post("jobs") { request, _ in try await enqueue(request) }
        v1.post("jobs/batch") { request, _ in try await batch(request) }
        v1.get("jobs") { request, _ in try await search(request) }
        v1.get("jobs/{id}") { _, context in try await job(context.parameters.require("id")) }
        v1.post("jobs/{id}/cancel") { _, context in try await cancel(context.parameters.require("id")) }
    }

    /// `POST /v1/jobs`: 201 `{id, state}` for a new job; 200 with the existing job's `{id, state}`
    /// when its unique key matched. A repeat with the same `Idempotency-Key` and body gets the
    /// first answer (the same job and state, 201 if the first request created it).
    func enqueue(_ request: Request) async throws -> Response {
        let reader = try await RequestBody.object(request, limit: configuration.maxBodyBytes)
        let key = try IdempotencyKey(request, endpoint: "POST /v1/jobs", body: reader.tape.bytes)
        let built = try JobRequest.newJob(from: reader, limits: configuration.jobLimits)
        let claimed = try await claim(key, for: [built])
        let job = claimed.jobs[0]
        try await persistBeforeRedis([job])
        let written: EnqueueResult
        do {
            written = try await dependencies.queues.enqueue(
                job,
                maxQueues: configuration.maxQueues,
                idempotencyWindowMs: markerWindow(claimed)
            )
        } catch {
            await releaseClaim(claimed, refusedBy: [error])
            await forgetUncreated([job.id])
            throw error
        }
        if written.created { countEnqueued(job) }
        if written.id != job.id { await forgetUncreated([job.id]) }
        let result = await withState(written)
        // The job this request proposed exists: created by this call, by an earlier try of it, or
        // by a concurrent repeat of it; another id is a unique key's holder.
        let created = result.id == job.id
        var writer = JSONWriter(capacity: 64)
        JobStateView(id: result.id.rawValue, state: result.state?.rawValue).write(to: &writer)
        var response = JSONResponse.make(writer, status: created ? .created : .ok)
        response.headers[.location] = "/v1/jobs/\(result.id.rawValue)"
        return response
    }

    /// `result` with its job's state from history when Redis no longer holds the job (a unique
    /// key's holder that finished and left); unknown (`null`) when history cannot say either.
    func withState(_ result: EnqueueResult) async -> EnqueueResult {
        guard result.state == nil, let record = try? await dependencies.history.job(result.id) else { return result }
        var known = result
        known.state = record.state
        return known
    }

    /// `GET /v1/jobs/{id}`: from Redis while the job is live, from Postgres history after.
    func job(_ idText: String) async throws -> Response {
        let id = try JobID(idText)
        if let record = try await dependencies.queues.job(id) { return JSONResponse.make(JobView(record: record).written()) }
        if let record = try await dependencies.history.job(id) { return JSONResponse.make(JobView(record: record).written()) }
        throw Problem.notFound("no job with id \(id)")
    }

    /// `GET /v1/jobs?queue=&state=&type=&created_after=&created_before=&limit=&cursor=`: history
    /// search over Postgres, newest first, keyset pagination through `next_cursor`; a page stops
    /// at `limit` jobs or at the page byte budget (``GatewayConfiguration/maxPageBytes``).
    func search(_ request: Request) async throws -> Response {
        var query = try QueryReader(request)
        let page = try await dependencies.history.search(try searchQuery(&query))
        return JobListView.response(page.jobs, nextCursor: page.nextCursor)
    }

    /// The history query a request asks for, every parameter checked and named when wrong; Forge
    /// Web's history page reads its filters through this too.
    func searchQuery(_ query: inout QueryReader) throws(ValidationError) -> JobQuery {
        let queue = try query.string("queue").map { (text: String) throws(ValidationError) in try QueueName(text) }
        let state = try query.string("state").map { (text: String) throws(ValidationError) -> JobState in
            guard let state = JobState(rawValue: text) else {
                let names = JobState.allCases.map(\.rawValue).joined(separator: ", ")
                throw ValidationError(field: "state", reason: "must be one of \(names)")
            }
            return state
        }
        let type = try query.string("type").map { (text: String) throws(ValidationError) in try JobType(text) }
        let after = try query.time("created_after")
        let before = try query.time("created_before")
        let limit = try query.int(
            "limit",
            in: 1...min(configuration.maxListLimit, JobQuery.limits.upperBound),
            default: configuration.defaultListLimit
        )
        let cursor = try query.string("cursor")
        try query.finish()
        return try JobQuery(
            queue: queue,
            state: state,
            type: type,
            createdAfterMs: after,
            createdBeforeMs: before,
            limit: limit,
            cursor: cursor,
            maxBytes: configuration.maxPageBytes
        )
    }

    /// `POST /v1/jobs/{id}/cancel`: 200 canceled; 202 when the job is running (its worker stops it
    /// at the next heartbeat); 409 when it already finished; 404 when unknown. The job stays
    /// readable, with state `canceled`.
    func cancel(_ idText: String) async throws -> Response {
        let id = try JobID(idText)
        switch try await dependencies.queues.cancel(id) {
        case .canceled:
            return try JSONResponse.make(JobStateView(id: id.rawValue, state: JobState.canceled.rawValue))
        case .cancelRequested:
            return try JSONResponse.make(
                JobStateView(id: id.rawValue, state: JobState.active.rawValue, cancelRequested: true),
                status: .accepted
            )
        case .alreadyFinished(let state):
            throw Problem.conflict("job \(id) is already \(state.rawValue)")
        case .notFound:
            // Finished jobs leave Redis after a while; history still knows them.
            if let record = try await dependencies.history.job(id) {
                throw Problem.conflict("job \(id) is already \(record.state.rawValue)")
            }
            throw Problem.notFound("no job with id \(id)")
        }
    }

    /// The problem for one batch item whose queue refused it.
    func problem(for error: any Error) -> Problem {
        if let refused = error as? QueueError { return .refusal(refused) }
        if let redis = error as? RedisError, redis.code == .notReplicated { return .notReplicated(redis) }
        if let redis = error as? RedisError, redis.isUnavailable { return .unavailable("Redis") }
        dependencies.logger.error("batch item not enqueued", metadata: ["error": "\(error)"])
        return .internalError()
    }

    func countEnqueued(_ job: NewJob) {
        dependencies.metrics.jobsEnqueued(queue: job.queue.rawValue, type: job.type.rawValue).increment()
    }
}
