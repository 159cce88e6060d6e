import ForgeObservability
import ForgeProbes
import ForgeRedis
import Logging
import ServiceLifecycle
import UnixSignals

/// What every Forge process does around its own work, in one place: JSON logs at the configured
/// level, the Redis clients on the configured URL, the readiness checks, the probe server and the
/// `ServiceGroup` that runs them all until SIGTERM or SIGINT, then drains and closes the clients.
///
/// A command builds its clients through the bootstrap (each becomes a ``ClientService`` listed
/// ahead of the services, so it closes after them), adds the checks its dependencies need, takes
/// ``readiness()`` for its services and calls ``run(_:probesPort:)``:
///
/// ```swift
/// let bootstrap = ServiceBootstrap(service: "forge-worker", options: service)
/// let redis = try bootstrap.redis(poolSize: 2)
/// let worker = WorkerService(store: QueueStore(redis: redis), …, readiness: bootstrap.readiness(), …)
/// try await bootstrap.run([worker], probesPort: 8082)
/// ```
public final class ServiceBootstrap {
    public let options: ServiceOptions
    public let logger: Logger
    public let metrics: ForgeMetrics
    private var clients: [ClientService] = []
    private var checks: [(name: String, check: Readiness.Check)] = []
    private var builtReadiness: Readiness?

    /// Sends every logger of the process to JSON lines tagged with `service`.
    public init(service: String, options: ServiceOptions, metrics: ForgeMetrics = ForgeMetrics()) {
        LogSetup.bootstrap(service: service, level: options.level)
        self.options = options
        self.logger = Logger(label: String(service.map { $0 == "-" ? "." : $0 }))
        self.metrics = metrics
    }

    /// The namespace's Redis keys.
    public var keys: KeySpace { KeySpace(namespace: options.namespace) }

    /// A client on the configured Redis URL with `poolSize` pipelining connections, closed after
    /// every service has stopped. The first one becomes the `redis` readiness check.
    public func redis(poolSize: Int) throws -> RedisClient {
        let client = RedisClient(
            configuration: try RedisConfiguration(url: try options.redisURL(), setting: SecretSetting.redisURL.label, poolSize: poolSize)
        )
        manage("redis", shutdown: { await client.shutdown() })
        if !checks.contains(where: { $0.name == "redis" }) {
            addCheck("redis") { try await client.checkReady() }
        }
        return client
    }

    /// Closes a client of another kind (Postgres) after every service has stopped.
    public func manage(_ name: String, shutdown: @escaping @Sendable () async -> Void) {
        clients.append(ClientService(name: name, shutdown: shutdown))
    }

    /// A readiness check: `/readyz` fails while it throws or answers false.
    public func addCheck(_ name: String, _ check: @escaping Readiness.Check) {
        precondition(builtReadiness == nil, "readiness checks are added before readiness() is taken")
        checks.append((name: name, check: check))
    }

    /// The process's readiness, over every check added so far (built once, on first use).
    public func readiness() -> Readiness {
        if let builtReadiness { return builtReadiness }
        let readiness = Readiness(checks: checks, logger: logger)
        builtReadiness = readiness
        return readiness
    }

    /// Runs `services` with the clients ahead of them and, given a port, a probe server
    /// (`/livez`, `/readyz`, `/metrics`) between the two: it stops after the services, so
    /// `/readyz` reports draining while they drain. Returns when all have stopped.
    public func run(_ services: [any Service], probesPort: Int?) async throws {
        var all: [any Service] = clients
        if let probesPort {
            all.append(
                ProbeServer.make(host: options.httpHost, port: probesPort, readiness: readiness(), metrics: metrics, logger: logger)
            )
        }
        all += services
        let group = ServiceGroup(
            configuration: .init(services: all, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        )
        try await group.run()
    }
}
