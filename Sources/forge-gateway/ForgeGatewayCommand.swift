import ArgumentParser
import ForgeCore
import ForgeGateway
import ForgePostgres
import ForgeRedis
import ForgeService
import ForgeServicePostgres
import Logging

/// `forge-gateway`: the HTTP API. Parses flags (each defaulting to its `FORGE_*` variable), builds
/// the Redis and Postgres clients and runs the HTTP server until SIGTERM/SIGINT, then drains.
public struct ForgeGatewayCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "forge-gateway",
        abstract: "Forge's HTTP API: enqueue, inspect, cancel, queues, dead letters and schedules."
    )

    public init() {}

    @OptionGroup var service: ServiceOptions
    @OptionGroup var finished: FinishedJobOptions
    @OptionGroup var connections: RedisConnectionOptions
    @OptionGroup var queueLimit: QueueLimitOptions
    @OptionGroup var durability: DurabilityOptions

    // No ArgumentParser default: `--help` would print the tokens (see SecretSetting).
    @Option(name: .customLong("api-tokens"), help: "Comma-separated bearer tokens accepted on /v1 (env FORGE_API_TOKENS).")
    var apiTokensFlag: String?

    @Option(
        name: .customLong("api-tokens-file"),
        help: "File holding the tokens, comma- or line-separated, e.g. a mounted secret (env FORGE_API_TOKENS_FILE)."
    )
    var apiTokensFile: String?

    /// The accepted tokens; a file may hold one per line, so line breaks separate tokens too.
    func apiTokens() throws -> [String] {
        let text = try SecretSetting.apiTokens.value(flag: apiTokensFlag, file: apiTokensFile) ?? ""
        return GatewayConfiguration.parseTokens(text.split(whereSeparator: \.isNewline).joined(separator: ","))
    }

    @Option(help: "on or off; off accepts /v1 requests without a token (env FORGE_AUTH).")
    var auth = environment("FORGE_AUTH", "on")

    @Option(help: "Forge Web under /ui/: on, readonly (pages without actions) or off (env FORGE_UI).")
    var ui = environment("FORGE_UI", "on")

    static let maxBodyBytes = NumberSetting(
        "--max-body-bytes",
        "FORGE_MAX_BODY_BYTES",
        default: GatewayConfiguration.defaultMaxBodyBytes,
        range: 1024...(64 << 20),
        kind: "a number of bytes"
    )
    static let searchTimeoutMs = NumberSetting(
        "--search-timeout-ms",
        "FORGE_SEARCH_TIMEOUT_MS",
        default: PostgresConfiguration.defaultSearchTimeoutMs,
        range: 0...600_000,
        kind: "a number of milliseconds"
    )
    static let maxPayloadBytes = NumberSetting(
        "--max-payload-bytes",
        "FORGE_MAX_PAYLOAD_BYTES",
        default: JobLimits.standard.maxPayloadBytes,
        range: 1024...(64 << 20),
        kind: "a number of bytes"
    )
    static let rateLimitRPS = NumberSetting(
        "--rate-limit-rps",
        "FORGE_RATE_LIMIT_RPS",
        default: GatewayConfiguration.defaultRateLimitPerSecond,
        range: 0...1_000_000,
        kind: "a whole number"
    )
    static let rateLimitBurst = NumberSetting(
        "--rate-limit-burst",
        "FORGE_RATE_LIMIT_BURST",
        default: GatewayConfiguration.defaultRateLimitBurst,
        range: 1...10_000_000,
        kind: "a whole number"
    )
    static let maxSchedules = NumberSetting(
        "--max-schedules",
        "FORGE_MAX_SCHEDULES",
        default: GatewayConfiguration.defaultMaxSchedules,
        range: 0...1_000_000,
        kind: "a whole number"
    )
    static let maxSchedulePayloadBytes = NumberSetting(
        "--max-schedule-payload-bytes",
        "FORGE_MAX_SCHEDULE_PAYLOAD_BYTES",
        default: GatewayConfiguration.defaultMaxSchedulePayloadBytes,
        range: 1024...(64 << 20),
        kind: "a number of bytes"
    )
    static let maxPageBytes = NumberSetting(
        "--max-page-bytes",
        "FORGE_MAX_PAGE_BYTES",
        default: GatewayConfiguration.defaultMaxPageBytes,
        range: GatewayConfiguration.maxPageBytesRange,
        kind: "a number of bytes"
    )
    static let idempotencyTTLSeconds = NumberSetting(
        "--idempotency-ttl-seconds",
        "FORGE_IDEMPOTENCY_TTL_SECONDS",
        default: GatewayConfiguration.defaultIdempotencyWindowSeconds,
        range: 1...(30 * 86_400),
        kind: "a number of seconds"
    )
    static let httpIdleTimeoutSeconds = NumberSetting(
        "--http-idle-timeout-seconds",
        "FORGE_HTTP_IDLE_TIMEOUT_SECONDS",
        default: GatewayConfiguration.defaultIdleTimeoutSeconds,
        range: 1...3_600,
        kind: "a number of seconds"
    )

    static let maxLeaseWaiters = NumberSetting(
        "--max-lease-waiters",
        "FORGE_MAX_LEASE_WAITERS",
        default: GatewayConfiguration.defaultMaxLeaseWaiters,
        range: 1...1_000_000,
        kind: "a whole number"
    )

    static let maxLeaseWaitMs = NumberSetting<Int64>(
        "--max-lease-wait-ms",
        "FORGE_MAX_LEASE_WAIT_MS",
        default: GatewayConfiguration.leaseWaitMsRange.upperBound,
        range: GatewayConfiguration.leaseWaitMsRange,
        kind: "a number of milliseconds"
    )

    static let waitReplicas = NumberSetting("--wait-replicas", "FORGE_WAIT_REPLICAS", default: 0, range: 0...16, kind: "a whole number")
    static let waitReplicasTimeoutMs = NumberSetting(
        "--wait-replicas-timeout-ms",
        "FORGE_WAIT_REPLICAS_TIMEOUT_MS",
        default: 500,
        // Below the 2 s Redis command timeout, which would take a longer WAIT for a dead connection.
        range: 1...1_500,
        kind: "a number of milliseconds"
    )

    @Option(
        name: .customLong("wait-replicas"),
        help:
            "Answer an enqueue only once this many Redis replicas have its jobs (WAIT), so a failover right after cannot lose them; else a 503 naming the shortfall; 0 = as soon as the master has them \(Self.waitReplicas.help)."
    )
    var waitReplicas: Int?

    @Option(
        name: .customLong("wait-replicas-timeout-ms"),
        help: "How long an enqueue waits for --wait-replicas \(Self.waitReplicasTimeoutMs.help)."
    )
    var waitReplicasTimeoutMs: Int?

    /// The replicas an enqueue waits for, if any.
    func enqueueWait() throws -> ReplicaWait? {
        let replicas = try Self.waitReplicas.value(flag: waitReplicas)
        let timeoutMs = try Self.waitReplicasTimeoutMs.value(flag: waitReplicasTimeoutMs)
        return replicas > 0 ? ReplicaWait(replicas: replicas, timeoutMs: timeoutMs) : nil
    }

    @Option(help: "Largest request body in bytes \(Self.maxBodyBytes.help).")
    var maxBodyBytes: Int?

    @Option(
        name: .customLong("search-timeout-ms"),
        help:
            "Longest a history search (GET /v1/jobs) may run before it is canceled with a 503; 0 = the 60 s statement limit \(Self.searchTimeoutMs.help)."
    )
    var searchTimeoutMs: Int?

    @Option(help: "Largest job payload in bytes as sent \(Self.maxPayloadBytes.help).")
    var maxPayloadBytes: Int?

    @Option(
        name: .customLong("rate-limit-rps"),
        help:
            "Requests per second each bearer token may make on /v1, sustained; past it 429 with Retry-After; 0 = no limit \(Self.rateLimitRPS.help)."
    )
    var rateLimitRPS: Int?

    @Option(help: "Requests a token may make at once after being idle \(Self.rateLimitBurst.help).")
    var rateLimitBurst: Int?

    @Option(help: "Most cron schedules there may be; creating one past it is refused with a 422 naming name; 0 = no limit \(Self.maxSchedules.help).")
    var maxSchedules: Int?

    @Option(help: "Largest payload of a schedule's job in bytes as sent, if below the job limit \(Self.maxSchedulePayloadBytes.help).")
    var maxSchedulePayloadBytes: Int?

    @Option(
        name: .customLong("max-page-bytes"),
        help:
            "Most bytes of payloads, results and errors one page of GET /v1/jobs or GET /v1/dlq holds (always at least one job); next_cursor continues \(Self.maxPageBytes.help)."
    )
    var maxPageBytes: Int?

    @Option(
        name: .customLong("max-lease-waiters"),
        help: "Most lease requests of remote workers that may wait for work (wait_ms) at once; past it 503 \(Self.maxLeaseWaiters.help)."
    )
    var maxLeaseWaiters: Int?

    @Option(
        name: .customLong("max-lease-wait-ms"),
        help: "Longest a lease request waits for work; a longer wait_ms is cut to it, e.g. below a proxy's timeout \(Self.maxLeaseWaitMs.help)."
    )
    var maxLeaseWaitMs: Int64?

    @Option(name: .customLong("idempotency-ttl-seconds"), help: "How long an Idempotency-Key is remembered \(Self.idempotencyTTLSeconds.help).")
    var idempotencyTTLSeconds: Int?

    @Option(
        name: .customLong("http-idle-timeout-seconds"),
        help: "Close a connection that sends nothing for this long \(Self.httpIdleTimeoutSeconds.help)."
    )
    var httpIdleTimeoutSeconds: Int?

    public func validate() throws {
        _ = try limitsConfiguration()
        _ = try Self.searchTimeoutMs.value(flag: searchTimeoutMs)
        _ = try enqueueWait()
        _ = try service.redisURL()
        _ = try service.postgresURL()
        _ = try gatewayConfiguration()
    }

    /// The settings as a ``GatewayConfiguration``, with errors that name the flag and variable.
    func gatewayConfiguration() throws -> GatewayConfiguration {
        var configuration = try limitsConfiguration()
        let tokens = try apiTokens()
        if configuration.authEnabled, tokens.isEmpty {
            throw ValidationError(
                "--api-tokens / FORGE_API_TOKENS (or FORGE_API_TOKENS_FILE): no token is set; set at least one, or FORGE_AUTH=off to run without auth"
            )
        }
        if configuration.authEnabled, let problem = GatewayConfiguration.tokenProblem(tokens) {
            throw ValidationError("--api-tokens / FORGE_API_TOKENS (or FORGE_API_TOKENS_FILE): \(problem)")
        }
        configuration.apiTokens = tokens
        return configuration
    }

    /// Every setting but the tokens, which are checked last (after the URLs, as before).
    private func limitsConfiguration() throws -> GatewayConfiguration {
        let maxBodyBytes = try Self.maxBodyBytes.value(flag: maxBodyBytes)
        var limits = JobLimits.standard
        limits.maxPayloadBytes = try Self.maxPayloadBytes.value(flag: maxPayloadBytes)
        guard limits.maxPayloadBytes < maxBodyBytes else {
            throw ValidationError(
                "\(Self.maxPayloadBytes.label) (\(limits.maxPayloadBytes)) must be below \(Self.maxBodyBytes.label) (\(maxBodyBytes)): the payload travels inside the body"
            )
        }
        guard ["on", "off"].contains(auth) else {
            throw ValidationError("--auth / FORGE_AUTH: '\(auth)' must be on or off")
        }
        guard let webMode = WebMode(rawValue: ui) else {
            throw ValidationError("--ui / FORGE_UI: '\(ui)' must be on, readonly or off")
        }
        let maxSchedules = try Self.maxSchedules.value(flag: maxSchedules)
        return GatewayConfiguration(
            authEnabled: auth == "on",
            maxBodyBytes: maxBodyBytes,
            jobLimits: limits,
            idempotencyWindowMs: Int64(try Self.idempotencyTTLSeconds.value(flag: idempotencyTTLSeconds)) * 1000,
            rateLimitPerSecond: Double(try Self.rateLimitRPS.value(flag: rateLimitRPS)),
            rateLimitBurst: try Self.rateLimitBurst.value(flag: rateLimitBurst),
            idleTimeoutSeconds: try Self.httpIdleTimeoutSeconds.value(flag: httpIdleTimeoutSeconds),
            maxQueues: try queueLimit.maxQueues(),
            maxSchedules: maxSchedules > 0 ? maxSchedules : nil,
            maxSchedulePayloadBytes: try Self.maxSchedulePayloadBytes.value(flag: maxSchedulePayloadBytes),
            maxPageBytes: try Self.maxPageBytes.value(flag: maxPageBytes),
            maxLeaseWaiters: try Self.maxLeaseWaiters.value(flag: maxLeaseWaiters),
            maxLeaseWaitMs: try Self.maxLeaseWaitMs.value(flag: maxLeaseWaitMs),
            webMode: webMode
        )
    }

    public func run() async throws {
        let bootstrap = ServiceBootstrap(service: "forge-gateway", options: service)
        let logger = bootstrap.logger
        let configuration = try gatewayConfiguration()
        let finishedTTLMs = try finished.finishedTTLMs()
        let redis = try bootstrap.redis(poolSize: try connections.redisConnections())
        // List reads on connections of their own (see GatewayDependencies.listQueues).
        let listRedis = try bootstrap.redis(poolSize: GatewayDependencies.listConnections)
        let postgres = try bootstrap.postgres(poolSize: 4, searchTimeoutMs: try Self.searchTimeoutMs.value(flag: searchTimeoutMs))
        // Readiness probes on a connection of their own: searches cannot make /readyz wait.
        bootstrap.addPostgresChecks(through: try bootstrap.postgres(poolSize: 1))
        let keys = bootstrap.keys
        // On connections of their own: a slow search cannot hold up the commits enqueues wait for.
        let acceptedJobs =
            try durability.persistsBeforeRedis() ? AcceptedJobWriter(history: HistoryStore(client: try bootstrap.postgres(poolSize: 2))) : nil
        let dependencies = GatewayDependencies(
            queues: QueueStore(redis: redis, keys: keys, finishedRetentionMs: finishedTTLMs, enqueueWait: try enqueueWait()),
            schedules: ScheduleStore(redis: redis, keys: keys),
            history: HistoryStore(client: postgres),
            readiness: bootstrap.readiness(),
            metrics: bootstrap.metrics,
            logger: logger,
            listQueues: QueueStore(redis: listRedis, keys: keys, finishedRetentionMs: finishedTTLMs),
            acceptedJobs: acceptedJobs
        )
        if !configuration.authEnabled { logger.warning("auth is off: /v1 accepts requests without a token") }
        let host = service.httpHost
        let port = service.port(default: 8080)
        let application = GatewayApplication(
            configuration: configuration,
            dependencies: dependencies,
            host: host,
            port: port,
            onServerRunning: { bound in logger.info("listening", metadata: ["host": "\(host)", "port": "\(bound)"]) }
        )
        // The API serves the probes itself (GatewayRouter).
        try await bootstrap.run([application], probesPort: nil)
    }
}
