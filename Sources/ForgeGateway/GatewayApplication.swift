import ForgeObservability
import Hummingbird
import ServiceLifecycle

/// The gateway's HTTP server as a `Service`: the API, probes, `/metrics` and `/openapi.yaml` on
/// one port. On graceful shutdown it marks the process draining (so `/readyz` turns 503 while
/// in-flight requests finish) and stops accepting connections; lease requests waiting for work
/// answer at once with what they have (``LeaseWaitRoom``), so the drain does not wait for them.
public struct GatewayApplication: Service {
    private let application: Application<RouterResponder<BasicRequestContext>>
    private let readiness: Readiness
    private let leaseRoom: LeaseWaitRoom
    private let remoteWorkers: RemoteWorkerRoster

    /// - Parameters:
    ///   - port: 0 picks a free port; `onServerRunning` receives the port actually bound.
    public init(
        configuration: GatewayConfiguration,
        dependencies: GatewayDependencies,
        host: String,
        port: Int,
        onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
    ) {
        readiness = dependencies.readiness
        leaseRoom = dependencies.leaseRoom
        remoteWorkers = dependencies.remoteWorkers
        application = Application(
            router: buildGatewayRouter(configuration: configuration, dependencies: dependencies),
            server: .http1(
                configuration: .init(
                    // A client that opens a connection and sends nothing (or stops halfway
                    // through a request) is dropped instead of holding it forever.
                    idleTimeout: .seconds(Int64(configuration.idleTimeoutSeconds)),
                    httpDecoderConfiguration: .init(
                        maxHeaderFieldSize: GatewayConfiguration.maxHeaderBytes,
                        maxHeaderListSize: GatewayConfiguration.maxHeaderBytes
                    )
                )
            ),
            configuration: .init(address: .hostname(host, port: port), serverName: "forge-gateway"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: dependencies.logger
        )
    }

    public func run() async throws {
        let readiness = readiness
        let room = leaseRoom
        let roster = remoteWorkers
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await room.run() }
            group.addTask { await roster.run() }
            defer {
                room.close()
                group.cancelAll()
            }
            try await withTaskCancellationHandler {
                try await withGracefulShutdownHandler {
                    try await application.run()
                } onGracefulShutdown: {
                    readiness.markDraining()
                    room.close()
                }
            } onCancel: {
                // The room's loop may be blocked in BLPOP, which cancellation cannot reach.
                room.close()
            }
        }
    }
}
