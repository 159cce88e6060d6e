import ArgumentParser
import ForgeCore
import ForgeRedis
import ForgeService
import ForgeWorker

/// `forge-worker`: runs the built-in handlers (`noop`, `sleep`, `fail`, `http`) on the configured
/// queues, with probes and `/metrics` on 8082, until SIGTERM/SIGINT; then drains.
///
/// A binary of your own runs the same command with your handlers beside the built-ins:
/// ``WorkerProgram/run(_:)`` (see Sources/ForgeWorker/README.md).
public struct ForgeWorkerCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "forge-worker",
        abstract: "Forge's worker: leases jobs and runs the built-in handlers (noop, sleep, fail, http)."
    )

    static let concurrency = NumberSetting(
        "--concurrency",
        "FORGE_CONCURRENCY",
        default: WorkerConfiguration.defaultConcurrency,
        range: WorkerConfiguration.concurrencyRange
    )
    static let batch = NumberSetting(
        "--batch",
        "FORGE_LEASE_BATCH",
        default: WorkerConfiguration.defaultLeaseBatch,
        range: WorkerConfiguration.leaseBatchRange
    )
    static let visibilityMs = NumberSetting<Int64>(
        "--visibility-ms",
        "FORGE_VISIBILITY_MS",
        default: 30_000,
        range: WorkerConfiguration.visibilityMsRange,
        kind: "a number of milliseconds"
    )
    static let grace = NumberSetting<Double>("--grace", "FORGE_GRACE", default: 25, range: 0...86_400, kind: "a number of seconds")
    static let runawayGraceMs = NumberSetting<Int64>(
        "--runaway-grace-ms",
        "FORGE_RUNAWAY_GRACE_MS",
        default: 5_000,
        range: WorkerConfiguration.runawayGraceMsRange,
        kind: "a number of milliseconds"
    )

    public init() {}

    @OptionGroup var service: ServiceOptions
    @OptionGroup var finished: FinishedJobOptions
    @OptionGroup var connections: RedisConnectionOptions

    @Option(help: "Queues to serve, name[:weight],… or * for every queue (env FORGE_QUEUES).")
    var queues = environment("FORGE_QUEUES", "default")

    @Option(help: "Jobs in flight at most \(Self.concurrency.help).")
    var concurrency: Int?

    @Option(help: "Jobs leased per call at most \(Self.batch.help).")
    var batch: Int?

    @Option(name: .customLong("visibility-ms"), help: "Lease length in ms; heartbeats every third \(Self.visibilityMs.help).")
    var visibilityMs: Int64?

    @Option(help: "Seconds running jobs may take to finish on SIGTERM before they are handed back \(Self.grace.help).")
    var grace: Double?

    @Option(
        name: .customLong("runaway-grace-ms"),
        help:
            "How long a handler may ignore being stopped at its timeout before the worker gives up on it, frees its slot and fails the attempt \(Self.runawayGraceMs.help)."
    )
    var runawayGraceMs: Int64?

    @Option(help: "This worker's name in job records and metrics (env FORGE_WORKER_NAME; default hostname-pid).")
    var name = environment("FORGE_WORKER_NAME", WorkerConfiguration.defaultWorkerName)

    @Option(
        name: .customLong("http-allow"),
        help:
            "Hosts, *.domains, addresses and CIDR blocks the http handler may reach although they are loopback, link-local or private, comma-separated (env FORGE_HTTP_ALLOW)."
    )
    var httpAllow = environment("FORGE_HTTP_ALLOW", "")

    public func validate() throws {
        _ = try service.redisURL()
        _ = try workerConfiguration()
        _ = try httpConfiguration()
    }

    /// The `http` handler's settings, with errors that name the flag and variable.
    func httpConfiguration() throws -> HTTPHandler.Configuration {
        do {
            return HTTPHandler.Configuration(allowlist: try HTTPAllowlist(parsing: httpAllow))
        } catch {
            throw ValidationError("--http-allow / FORGE_HTTP_ALLOW: \(error.reason)")
        }
    }

    /// The settings as a ``WorkerConfiguration``, with errors that name the flag and variable.
    func workerConfiguration() throws -> WorkerConfiguration {
        let selection: QueueSelection
        do {
            selection = try QueueSelection(parsing: queues)
        } catch {
            throw ValidationError("--queues / FORGE_QUEUES: \(error.reason)")
        }
        let configuration = WorkerConfiguration(
            queues: selection,
            concurrency: try Self.concurrency.value(flag: concurrency),
            leaseBatch: try Self.batch.value(flag: batch),
            visibilityMs: try Self.visibilityMs.value(flag: visibilityMs),
            gracePeriod: .milliseconds(Int64(try Self.grace.value(flag: grace) * 1000)),
            runawayGrace: .milliseconds(try Self.runawayGraceMs.value(flag: runawayGraceMs)),
            workerName: name
        )
        do {
            try configuration.validate()
        } catch {
            let setting = Self.settings[error.field] ?? error.field
            throw ValidationError("\(setting): \(error.reason)")
        }
        return configuration
    }

    private static let settings = [
        "queues": "--queues / FORGE_QUEUES",
        "name": "--name / FORGE_WORKER_NAME",
    ]

    public func run() async throws {
        try await run(register: { _ in })
    }

    /// Runs the worker with the built-in handlers and those `register` adds (replacing a built-in
    /// of the same type).
    func run(register: @Sendable (inout HandlerRegistry) throws -> Void) async throws {
        let bootstrap = ServiceBootstrap(service: "forge-worker", options: service)
        var handlers = HandlerRegistry.builtins(http: try httpConfiguration())
        try register(&handlers)
        // The fetcher, the ack flusher, the heartbeater and failing jobs each need a connection
        // now and then; a handful covers them (the wake-up listener has its own).
        let redis = try bootstrap.redis(poolSize: try connections.redisConnections())
        let worker = WorkerService(
            store: QueueStore(redis: redis, keys: bootstrap.keys, finishedRetentionMs: try finished.finishedTTLMs()),
            handlers: handlers,
            configuration: try workerConfiguration(),
            metrics: bootstrap.metrics,
            readiness: bootstrap.readiness(),
            logger: bootstrap.logger
        )
        try await bootstrap.run([worker], probesPort: service.port(default: 8082))
    }
}
