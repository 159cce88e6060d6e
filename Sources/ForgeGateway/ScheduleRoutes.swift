import ForgeCore
import ForgeRedis
import Hummingbird

/// `/v1/schedules`: cron schedules the scheduler leader fires.
struct ScheduleRoutes<Context: RequestContext>: Sendable {
    let configuration: GatewayConfiguration
    let dependencies: GatewayDependencies

    func register(on v1: RouterGroup<Context>) {
        v1.get("schedules") { _, _ in try await list() }
        v1.get("schedules/{name}") { _, context in try await show(context.parameters.require("name")) }
        v1.put("schedules/{name}") { request, context in try await put(context.parameters.require("name"), request) }
        v1.delete("schedules/{name}") { _, context in try await delete(context.parameters.require("name")) }
    }

    /// `GET /v1/schedules`: `{"schedules": [schedule, …]}` sorted by name.
    func list() async throws -> Response {
        let schedules = try await dependencies.schedules.all()
        let fired = try await dependencies.schedules.lastFired()
        return JSONResponse.make(
            ScheduleListView(schedules: schedules.map { ScheduleView($0, lastFiredMs: fired[$0.name]) }).written()
        )
    }

    func show(_ name: String) async throws -> Response {
        try Schedule.validateName(name)
        guard let schedule = try await dependencies.schedules.get(name) else {
            throw Problem.notFound("no schedule named \(name)")
        }
        let fired = try await dependencies.schedules.lastFired()
        return JSONResponse.make(ScheduleView(schedule, lastFiredMs: fired[name]).written())
    }

    /// `PUT /v1/schedules/{name}`: 201 when created, 200 when it replaced one.
    ///
    /// Within ``GatewayConfiguration/maxSchedules`` (a new schedule past it is a 422 naming
    /// `name`) and ``GatewayConfiguration/maxQueues``: the job's queue is registered here, as
    /// pausing a queue registers it, so the slot is held and the leader's ticks are not refused
    /// for it later (a new queue past the limit is a 422 naming `job.queue`). The count is read
    /// before the queue is registered, so a refused schedule registers nothing (unless two PUTs
    /// race for the last place: the loser's queue stays, empty); the script that stores the
    /// schedule counts again, atomically.
    func put(_ name: String, _ request: Request) async throws -> Response {
        let reader = try await RequestBody.object(request, limit: configuration.maxBodyBytes)
        let (schedule, created) = try await store(name, reader)
        return JSONResponse.make(ScheduleView(schedule, lastFiredMs: nil).written(), status: created ? .created : .ok)
    }

    /// What `PUT` does with its body, for the API and Forge Web's schedule form alike: the
    /// schedule stored, and whether it is new.
    func store(_ name: String, _ reader: ObjectReader) async throws -> (Schedule, created: Bool) {
        let schedule = try ScheduleRequest.schedule(named: name, from: reader, limits: configuration.scheduleJobLimits)
        let store = dependencies.schedules
        guard try await store.hasRoom(for: name, maxSchedules: configuration.maxSchedules) else {
            throw Problem.scheduleLimit(name, limit: configuration.maxSchedules ?? 0)
        }
        do {
            try await dependencies.queues.reserve(try schedule.job.queueName(), maxQueues: configuration.maxQueues)
        } catch let refusal as QueueError where refusal.code == .queueLimit {
            throw Problem.queueLimit(refusal, field: "job.queue")
        }
        let outcome = try await store.put(schedule, maxSchedules: configuration.maxSchedules)
        guard outcome != .limitReached else { throw Problem.scheduleLimit(name, limit: configuration.maxSchedules ?? 0) }
        return (schedule, outcome == .created)
    }

    /// `DELETE /v1/schedules/{name}`: 204, or 404 when there was none.
    func delete(_ name: String) async throws -> Response {
        try Schedule.validateName(name)
        guard try await dependencies.schedules.delete(name) else {
            throw Problem.notFound("no schedule named \(name)")
        }
        return Response(status: .noContent)
    }
}
