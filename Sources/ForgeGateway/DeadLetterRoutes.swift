import ForgeCore
import ForgeObservability
import ForgePostgres
import ForgeRedis
import Hummingbird
import Logging
import Prometheus

/// `/v1/dlq`: list, retry and delete dead letters.
struct DeadLetterRoutes<Context: RequestContext>: Sendable {
    let configuration: GatewayConfiguration
    let dependencies: GatewayDependencies

    func register(on v1: RouterGroup<Context>) {
        v1.get("dlq") { request, _ in try await list(request) }
        v1.post("dlq/{id}/retry") { _, context in try await retry(context.parameters.require("id")) }
        v1.delete("dlq/{id}") { _, context in try await remove(context.parameters.require("id")) }
    }

    /// `GET /v1/dlq?queue=&limit=&cursor=`: `{"jobs": [job, …], "next_cursor": …}`, most recent
    /// death first. A page stops at `limit` jobs or at the page byte budget
    /// (``GatewayConfiguration/maxPageBytes``), whichever comes first, with at least one job;
    /// `next_cursor` (the last job's death time and id) continues after it. Read through
    /// ``GatewayDependencies/listQueues``, off the connections that serve enqueues.
    func list(_ request: Request) async throws -> Response {
        var query = try QueryReader(request)
        guard let queueText = try query.string("queue") else {
            throw ValidationError(field: "queue", reason: "is required")
        }
        let queue = try QueueName(queueText)
        let limit = try query.int("limit", in: 1...configuration.maxListLimit, default: configuration.defaultListLimit)
        let cursor = try query.string("cursor").map { (text: String) throws(ValidationError) in try PageCursor(text) }
        try query.finish()
        let page = try await dependencies.listQueues.deadLetterPage(
            queue,
            after: cursor,
            limit: limit,
            maxBytes: configuration.maxPageBytes
        )
        return JobListView.response(page.jobs, nextCursor: page.nextCursor)
    }

    /// `POST /v1/dlq/{id}/retry`: back to pending with fresh attempts; 200 `{id, state}`.
    ///
    /// Dead letters stay in Redis longer than history keeps finished jobs (180 against 14 days
    /// by default), so history may have let the job go: its row is written again from Redis
    /// first, for the new run's events to build on.
    func retry(_ idText: String) async throws -> Response {
        let (id, queue) = try await locate(idText)
        if let record = try await dependencies.queues.job(id, queue: queue), record.state == .dead {
            await restoreHistory(record)
        }
        guard try await dependencies.queues.reviveDead(id, queue: queue) else {
            throw Problem.conflict("job \(id) is not in the dead-letter queue")
        }
        return try JSONResponse.make(JobStateView(id: id.rawValue, state: JobState.pending.rawValue))
    }

    /// `DELETE /v1/dlq/{id}`: 204 once the dead letter is gone.
    func remove(_ idText: String) async throws -> Response {
        let (id, queue) = try await locate(idText)
        guard try await dependencies.queues.removeDead(id, queue: queue) else {
            throw Problem.conflict("job \(id) is not in the dead-letter queue")
        }
        return Response(status: .noContent)
    }

    /// Best effort: with Postgres out of reach the retry still goes ahead (Redis holds the live
    /// job); history then shows the new run from its first event, as before.
    private func restoreHistory(_ record: JobRecord) async {
        do {
            try await dependencies.history.restore(record)
        } catch {
            dependencies.metrics.postgresErrors.increment()
            dependencies.logger.warning(
                "could not restore a revived dead letter's history row",
                metadata: ["job_id": "\(record.id)", "error": "\(error)"]
            )
        }
    }

    /// The id and the queue whose dead set may hold it; 404 when Redis has no such job.
    private func locate(_ idText: String) async throws -> (JobID, QueueName) {
        let id = try JobID(idText)
        guard let queue = try await dependencies.queues.locate(id) else {
            throw Problem.notFound("no dead letter with id \(id)")
        }
        return (id, queue)
    }
}
