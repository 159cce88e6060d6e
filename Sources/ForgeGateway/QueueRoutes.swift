import ForgeCore
import ForgeRedis
import Hummingbird

/// `/v1/queues`: depth by state and the paused flag; pause and resume.
struct QueueRoutes<Context: RequestContext>: Sendable {
    let dependencies: GatewayDependencies

    func register(on v1: RouterGroup<Context>) {
        v1.get("queues") { _, _ in try await list() }
        v1.get("queues/{queue}") { _, context in try await show(context.parameters.require("queue")) }
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

    /// `POST /v1/queues/{queue}/pause|resume`: answers the queue as it is now. Pausing an unknown
    /// queue registers it, so a queue can be paused before its first job arrives.
    func setPaused(_ nameText: String, paused: Bool) async throws -> Response {
        let name = try QueueName(nameText)
        if paused {
            try await dependencies.queues.pause(name)
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
