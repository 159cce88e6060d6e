import ArgumentParser
import ForgeCore
import ForgeObservability
import ForgeRedis
import ForgeWorker
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// `forge-worker`: runs the built-in handlers (`noop`, `sleep`, `fail`, `http`) on the configured
/// queues, with probes and `/metrics` on 8082, until SIGTERM/SIGINT; then drains.
///
/// To run handlers of your own, link the `ForgeWorker` library into a binary like this one
/// (see Sources/ForgeWorker/README.md).
public struct ForgeWorkerCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "forge-worker",
        abstract: "Forge's worker: leases jobs and runs the built-in handlers (noop, sleep, fail, http)."
    )

    public init() {}

    @OptionGroup var service: ServiceOptions
    @OptionGroup var finished: FinishedJobOptions
    @OptionGroup var connections: RedisConnectionOptions

    @Option(help: "Queues to serve, name[:weight],… or * for every queue (env FORGE_QUEUES).")
    var queues = environment("FORGE_QUEUES", "default")

    @Option(help: "Jobs in flight at most (env FORGE_CONCURRENCY; default 100).")
    var concurrency = Int(environment("FORGE_CONCURRENCY", "")) ?? WorkerConfiguration.defaultConcurrency

    @Option(help: "Jobs leased per call at most (env FORGE_LEASE_BATCH).")
    var batch = Int(environment("FORGE_LEASE_BATCH", "")) ?? WorkerConfiguration.defaultLeaseBatch

    @Option(name: .customLong("visibility-ms"), help: "Lease length in ms; heartbeats every third (env FORGE_VISIBILITY_MS).")
    var visibilityMs = Int64(environment("FORGE_VISIBILITY_MS", "")) ?? 30_000

    @Option(help: "Seconds running jobs may take to finish on SIGTERM before they are handed back (env FORGE_GRACE).")
    var grace = Double(environment("FORGE_GRACE", "")) ?? 25

    @Option(
        name: .customLong("runaway-grace-ms"),
        help:
            "How long a handler may ignore being stopped at its timeout before the worker gives up on it, frees its slot and fails the attempt (env FORGE_RUNAWAY_GRACE_MS)."
    )
    var runawayGraceMs = Int64(environment("FORGE_RUNAWAY_GRACE_MS", "")) ?? 5_000

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
        for (variable, flag, parses) in [
            ("FORGE_CONCURRENCY", "--concurrency", { (text: String) in Int(text) != nil }),
            ("FORGE_LEASE_BATCH", "--batch", { Int($0) != nil }),
            ("FORGE_VISIBILITY_MS", "--visibility-ms", { Int64($0) != nil }),
            ("FORGE_GRACE", "--grace", { Double($0) != nil }),
            ("FORGE_RUNAWAY_GRACE_MS", "--runaway-grace-ms", { Int64($0) != nil }),
        ] {
            if let text = environment(variable, nil), !parses(text) {
                throw ValidationError("\(flag) / \(variable): '\(text)' is not a number")
            }
        }
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
        guard grace.isFinite, (0...86_400).contains(grace) else {
            throw ValidationError("--grace / FORGE_GRACE: must be between 0 and 86400 seconds, got \(grace)")
        }
        let configuration = WorkerConfiguration(
            queues: selection,
            concurrency: concurrency,
            leaseBatch: batch,
            visibilityMs: visibilityMs,
            gracePeriod: .milliseconds(Int64(grace * 1000)),
            runawayGrace: .milliseconds(runawayGraceMs),
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
        "concurrency": "--concurrency / FORGE_CONCURRENCY",
        "batch": "--batch / FORGE_LEASE_BATCH",
        "visibility_ms": "--visibility-ms / FORGE_VISIBILITY_MS",
        "grace": "--grace / FORGE_GRACE",
        "runaway_grace_ms": "--runaway-grace-ms / FORGE_RUNAWAY_GRACE_MS",
        "name": "--name / FORGE_WORKER_NAME",
    ]

    public func run() async throws {
        LogSetup.bootstrap(service: "forge-worker", level: service.level)
        let logger = Logger(label: "forge.worker")
        let configuration = try workerConfiguration()
        // The fetcher, the ack flusher, the heartbeater and failing jobs each need a connection
        // now and then; a handful covers them (the wake-up listener has its own).
        let redis = RedisClient(
            configuration: try RedisConfiguration(
                url: try service.redisURL(),
                setting: "--redis-url / FORGE_REDIS_URL",
                poolSize: connections.redisConnections
            )
        )
        let metrics = ForgeMetrics()
        let readiness = Readiness(
            checks: [
                (name: "redis", check: { try await redis.checkReady() })
            ],
            logger: logger
        )
        let worker = WorkerService(
            store: QueueStore(
                redis: redis,
                keys: KeySpace(namespace: service.namespace),
                finishedRetentionMs: finished.finishedTTLMs
            ),
            handlers: .builtins(http: try httpConfiguration()),
            configuration: configuration,
            metrics: metrics,
            readiness: readiness,
            logger: logger
        )
        let probes = ProbeServer.make(
            host: service.httpHost,
            port: service.port(default: 8082),
            readiness: readiness,
            metrics: metrics,
            logger: logger
        )
        // The probe server comes first so it stops last: /readyz reports draining meanwhile.
        let group = ServiceGroup(
            configuration: .init(services: [probes, worker], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        )
        let result: Result<Void, any Error>
        do {
            try await group.run()
            result = .success(())
        } catch { result = .failure(error) }
        await redis.shutdown()
        try result.get()
    }
}
