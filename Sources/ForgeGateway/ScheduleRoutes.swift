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
    func put(_ name: String, _ request: Request) async throws -> Response {
        let reader = try await RequestBody.object(request, limit: configuration.maxBodyBytes)
        let schedule = try ScheduleRequest.schedule(named: name, from: reader, limits: configuration.jobLimits)
        let created = try await dependencies.schedules.put(schedule) == .created
        return JSONResponse.make(ScheduleView(schedule, lastFiredMs: nil).written(), status: created ? .created : .ok)
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
