import ForgeCore
import Hummingbird

/// `/v1/dlq`: list, count, retry and delete dead letters, one at a time or in bulk. The handlers
/// read requests and write answers; ``DeadLetters`` does the work, for the web UI too.
struct DeadLetterRoutes<Context: RequestContext>: Sendable {
    let configuration: GatewayConfiguration
    let dependencies: GatewayDependencies

    var deadLetters: DeadLetters { DeadLetters(configuration: configuration, dependencies: dependencies) }

    func register(on v1: RouterGroup<Context>) {
        v1.get("dlq") { request, _ in try await list(request) }
        // Constant segments before `{id}`: the router prefers them, and reads better so.
        v1.get("dlq/count") { request, _ in try await count(request) }
        v1.post("dlq/retry") { request, _ in try await bulk(.retry, request) }
        v1.post("dlq/delete") { request, _ in try await bulk(.delete, request) }
        v1.post("dlq/{id}/retry") { _, context in try await retry(context.parameters.require("id")) }
        v1.delete("dlq/{id}") { _, context in try await remove(context.parameters.require("id")) }
    }

    /// `GET /v1/dlq?queue=&type=&error=&limit=&cursor=`: `{"jobs": [job, …], "next_cursor": …}`,
    /// most recent death first (``DeadLetters/page(_:limit:cursor:)``). A page stops at `limit`
    /// jobs or at the page byte budget (``GatewayConfiguration/maxPageBytes``), whichever comes
    /// first, with at least one job; `next_cursor` (the last job's death time and id) continues
    /// after it. A filtered page may stop early on its scan bound, with a `next_cursor` still.
    func list(_ request: Request) async throws -> Response {
        var query = try QueryReader(request)
        let filter = try Self.filter(&query)
        let limit = try query.int("limit", in: 1...configuration.maxListLimit, default: configuration.defaultListLimit)
        let cursor = try query.string("cursor").map { (text: String) throws(ValidationError) in try PageCursor(text) }
        try query.finish()
        let page = try await deadLetters.page(filter, limit: limit, cursor: cursor)
        return JobListView.response(page.jobs, nextCursor: page.nextCursor)
    }

    /// `GET /v1/dlq/count?queue=&type=&error=`: `{"queue", "count", "capped"}`
    /// (``DeadLetters/count(_:)``).
    func count(_ request: Request) async throws -> Response {
        var query = try QueryReader(request)
        let filter = try Self.filter(&query)
        try query.finish()
        let (count, capped) = try await deadLetters.count(filter)
        var writer = JSONWriter(capacity: 128)
        writer.beginObject()
        writer.key("capped")
        writer.bool(capped)
        writer.key("count")
        writer.int(count)
        writer.key("queue")
        writer.string(filter.queue.rawValue)
        writer.endObject()
        return JSONResponse.make(writer)
    }

    /// `POST /v1/dlq/{id}/retry`: back to pending with fresh attempts; 200 `{id, state}`.
    func retry(_ idText: String) async throws -> Response {
        let id = try await deadLetters.retryOne(idText)
        return try JSONResponse.make(JobStateView(id: id.rawValue, state: JobState.pending.rawValue))
    }

    /// `DELETE /v1/dlq/{id}`: 204 once the dead letter is gone.
    func remove(_ idText: String) async throws -> Response {
        try await deadLetters.removeOne(idText)
        return Response(status: .noContent)
    }

    /// `queue` (required), `type` and `error` of a list or count.
    static func filter(_ query: inout QueryReader) throws -> DeadLetterFilter {
        let queue = try query.string("queue")
        let type = try query.string("type")
        let error = try query.string("error")
        return try DeadLetterFilter(queue: queue, type: type, error: error)
    }
}
