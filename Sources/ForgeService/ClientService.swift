import ServiceLifecycle

/// A client (Redis, Postgres) as a `Service`: it runs until graceful shutdown, then closes the
/// client. Listed before the services that use it, it is shut down after them (a `ServiceGroup`
/// stops services in reverse order), so nothing closes a connection a draining worker still needs.
public struct ClientService: Service {
    public let name: String
    private let shutdown: @Sendable () async -> Void

    public init(name: String, shutdown: @escaping @Sendable () async -> Void) {
        self.name = name
        self.shutdown = shutdown
    }

    public func run() async throws {
        // Cancellation (the group failing) ends the wait as graceful shutdown does: either way
        // the client is closed exactly once, as the last thing this service does.
        try? await gracefulShutdown()
        await shutdown()
    }
}
