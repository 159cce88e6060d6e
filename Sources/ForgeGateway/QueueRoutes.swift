import ForgeCore
import ForgeRedis
import Hummingbird

/// `/v1/queues`: depth by state and the paused flag; pause and resume; deleting an empty queue.
struct QueueRoutes<Context: RequestContext>: Sendable {
    let dependencies: GatewayDependencies
    /// ``GatewayConfiguration/maxQueues``: pausing a queue that does not exist yet registers it.
    let maxQueues: Int?

    func register(on v1: RouterGroup<Context>) {
        v1.get("queues") { _, _ in try await list() }
        v1.get("queues/{queue}") { _, context in try await show(context.parameters.require("queue")) }
        v1.delete("queues/{queue}") { _, context in try await delete(context.parameters.require("queue")) }
        v1.post("queues/{queue}/pause") { _, context in
            try await setPaused(context.parameters.require("queue"), paused: true)
        }
        v1.post("queues/{queue}/resume") { _, context in
            try await setPaused(context.parameters.require("queue"), paused: false)
        }
    }

    /// `GET /v1/queues`: `{"queues": [queue, …]}` sorted by name, statuses read concurrently.
    func list() async throws -> Response {
        let queues = dependencies.queues
        let names = try await queues.queueNames()
        let statuses = try await withThrowingTaskGroup(of: QueueStatus.self) { group in
            for name in names { group.addTask { try await queues.status(name) } }
            return try await group.reduce(into: [QueueStatus]()) { $0.append($1) }
        }
        return try JSONResponse.make(QueueListView(queues: statuses.sorted { $0.name < $1.name }.map(QueueView.init)))
    }

    /// `GET /v1/queues/{queue}`: 404 for a queue nobody ever enqueued into or paused.
    func show(_ nameText: String) async throws -> Response {
        let name = try QueueName(nameText)
        guard try await dependencies.queues.queueNames().contains(name) else {
            throw Problem.notFound("no queue named \(name)")
        }
        return try JSONResponse.make(QueueView(try await dependencies.queues.status(name)))
    }

    /// `DELETE /v1/queues/{queue}`: 204 once the queue and its keys are gone; 409 naming what it
    /// still holds (jobs by state, or history not yet archived); 404 for an unknown queue. Queue
    /// names come from callers, so this is how one made by mistake leaves the registry and metrics.
    func delete(_ nameText: String) async throws -> Response {
        let name = try QueueName(nameText)
        guard try await dependencies.queues.queueNames().contains(name) else {
            throw Problem.notFound("no queue named \(name)")
        }
        if let held = try await dependencies.queues.deleteQueue(name) {
            let c = held.counts
            let jobs = [("scheduled", c.scheduled), ("pending", c.pending), ("active", c.active), ("retrying", c.retrying), ("dead", c.dead)]
                .filter { $0.1 > 0 }.map { "\($0.1) \($0.0)" }
            let parts = jobs + (held.events > 0 ? ["\(held.events) events not yet archived to history"] : [])
            throw Problem.conflict("queue \(name) is not empty: \(parts.joined(separator: ", "))")
        }
        return Response(status: .noContent)
    }

    /// `POST /v1/queues/{queue}/pause|resume`: answers the queue as it is now. Pausing an unknown
    /// queue registers it, so a queue can be paused before its first job arrives.
    func setPaused(_ nameText: String, paused: Bool) async throws -> Response {
        let name = try QueueName(nameText)
        if paused {
            try await dependencies.queues.pause(name, maxQueues: maxQueues)
        } else {
            guard try await dependencies.queues.queueNames().contains(name) else {
                throw Problem.notFound("no queue named \(name)")
            }
            try await dependencies.queues.resume(name)
        }
        return try JSONResponse.make(QueueView(try await dependencies.queues.status(name)))
    }
}

/// `{name, paused, counts: {scheduled, pending, active, retrying, dead, completed}}`.
struct QueueView: Encodable {
    var name: String
    var paused: Bool
    var counts: QueueCounts

    init(_ status: QueueStatus) {
        name = status.name.rawValue
        paused = status.paused
        counts = status.counts
    }
}

struct QueueListView: Encodable {
    var queues: [QueueView]
}
