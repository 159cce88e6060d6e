import ArgumentParser
import ForgeCore
import ForgeGateway
import ForgeObservability
import ForgePostgres
import ForgeRedis
import Logging
import ServiceLifecycle
import UnixSignals

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

    @Option(help: "Largest request body in bytes (env FORGE_MAX_BODY_BYTES).")
    var maxBodyBytes = Int(environment("FORGE_MAX_BODY_BYTES", "")) ?? GatewayConfiguration.defaultMaxBodyBytes

    @Option(
        name: .customLong("search-timeout-ms"),
        help:
            "Longest a history search (GET /v1/jobs) may run before it is canceled with a 503; 0 = the 60 s statement limit (env FORGE_SEARCH_TIMEOUT_MS)."
    )
    var searchTimeoutMs = Int(environment("FORGE_SEARCH_TIMEOUT_MS", "")) ?? PostgresConfiguration.defaultSearchTimeoutMs

    @Option(help: "Largest job payload in bytes as sent (env FORGE_MAX_PAYLOAD_BYTES).")
    var maxPayloadBytes = Int(environment("FORGE_MAX_PAYLOAD_BYTES", "")) ?? JobLimits.standard.maxPayloadBytes

    @Option(
        name: .customLong("rate-limit-rps"),
        help:
            "Requests per second each bearer token may make on /v1, sustained; past it 429 with Retry-After; 0 = no limit (env FORGE_RATE_LIMIT_RPS)."
    )
    var rateLimitRPS = Int(environment("FORGE_RATE_LIMIT_RPS", "")) ?? GatewayConfiguration.defaultRateLimitPerSecond

    @Option(help: "Requests a token may make at once after being idle (env FORGE_RATE_LIMIT_BURST).")
    var rateLimitBurst = Int(environment("FORGE_RATE_LIMIT_BURST", "")) ?? GatewayConfiguration.defaultRateLimitBurst

    @Option(help: "Most cron schedules there may be; creating one past it is refused with a 422 naming name; 0 = no limit (env FORGE_MAX_SCHEDULES).")
    var maxSchedules = Int(environment("FORGE_MAX_SCHEDULES", "")) ?? GatewayConfiguration.defaultMaxSchedules

    @Option(help: "Largest payload of a schedule's job in bytes as sent, if below the job limit (env FORGE_MAX_SCHEDULE_PAYLOAD_BYTES).")
    var maxSchedulePayloadBytes = Int(environment("FORGE_MAX_SCHEDULE_PAYLOAD_BYTES", "")) ?? GatewayConfiguration.defaultMaxSchedulePayloadBytes

    @Option(
        name: .customLong("max-page-bytes"),
        help:
            "Most bytes of payloads, results and errors one page of GET /v1/jobs or GET /v1/dlq holds (always at least one job); next_cursor continues (env FORGE_MAX_PAGE_BYTES)."
    )
    var maxPageBytes = Int(environment("FORGE_MAX_PAGE_BYTES", "")) ?? GatewayConfiguration.defaultMaxPageBytes

    @Option(
        name: .customLong("idempotency-ttl-seconds"),
        help: "How long an Idempotency-Key is remembered (env FORGE_IDEMPOTENCY_TTL_SECONDS)."
    )
    var idempotencyTTLSeconds = Int(environment("FORGE_IDEMPOTENCY_TTL_SECONDS", "")) ?? GatewayConfiguration.defaultIdempotencyWindowSeconds

    @Option(
        name: .customLong("http-idle-timeout-seconds"),
        help: "Close a connection that sends nothing for this long (env FORGE_HTTP_IDLE_TIMEOUT_SECONDS)."
    )
    var httpIdleTimeoutSeconds = Int(environment("FORGE_HTTP_IDLE_TIMEOUT_SECONDS", "")) ?? GatewayConfiguration.defaultIdleTimeoutSeconds

    /// The numeric settings: (environment variable, flag, value, allowed range).
    private var numericSettings: [(env: String, flag: String, value: Int, range: ClosedRange<Int>)] {
        [
            ("FORGE_MAX_PAYLOAD_BYTES", "--max-payload-bytes", maxPayloadBytes, 1024...(64 << 20)),
            ("FORGE_MAX_SCHEDULES", "--max-schedules", maxSchedules, 0...1_000_000),
            ("FORGE_MAX_SCHEDULE_PAYLOAD_BYTES", "--max-schedule-payload-bytes", maxSchedulePayloadBytes, 1024...(64 << 20)),
            ("FORGE_RATE_LIMIT_RPS", "--rate-limit-rps", rateLimitRPS, 0...1_000_000),
            ("FORGE_RATE_LIMIT_BURST", "--rate-limit-burst", rateLimitBurst, 1...10_000_000),
            ("FORGE_IDEMPOTENCY_TTL_SECONDS", "--idempotency-ttl-seconds", idempotencyTTLSeconds, 1...(30 * 86_400)),
            ("FORGE_HTTP_IDLE_TIMEOUT_SECONDS", "--http-idle-timeout-seconds", httpIdleTimeoutSeconds, 1...3_600),
            ("FORGE_MAX_PAGE_BYTES", "--max-page-bytes", maxPageBytes, GatewayConfiguration.maxPageBytesRange),
        ]
    }

    public func validate() throws {
        for setting in numericSettings {
            if let text = environment(setting.env, nil), Int(text) == nil {
                throw ValidationError("\(setting.env): '\(text)' is not a whole number")
            }
            guard setting.range.contains(setting.value) else {
                throw ValidationError(
                    "\(setting.flag) / \(setting.env): must be between \(setting.range.lowerBound) and \(setting.range.upperBound), got \(setting.value)"
                )
            }
        }
        guard maxPayloadBytes < maxBodyBytes else {
            throw ValidationError(
                "--max-payload-bytes / FORGE_MAX_PAYLOAD_BYTES (\(maxPayloadBytes)) must be below --max-body-bytes / FORGE_MAX_BODY_BYTES (\(maxBodyBytes)): the payload travels inside the body"
            )
        }
        if let text = environment("FORGE_SEARCH_TIMEOUT_MS", nil), Int(text) == nil {
            throw ValidationError("FORGE_SEARCH_TIMEOUT_MS: '\(text)' is not a number of milliseconds")
        }
        guard (0...600_000).contains(searchTimeoutMs) else {
            throw ValidationError("--search-timeout-ms / FORGE_SEARCH_TIMEOUT_MS: must be between 0 and 600000")
        }
        if let text = environment("FORGE_MAX_BODY_BYTES", nil), Int(text) == nil {
            throw ValidationError("FORGE_MAX_BODY_BYTES: '\(text)' is not a number of bytes")
        }
        guard (1024...(64 << 20)).contains(maxBodyBytes) else {
            throw ValidationError("--max-body-bytes / FORGE_MAX_BODY_BYTES: must be between 1024 and 67108864")
        }
        guard ["on", "off"].contains(auth) else {
            throw ValidationError("--auth / FORGE_AUTH: '\(auth)' must be on or off")
        }
        _ = try service.redisURL()
        _ = try service.postgresURL()
        if auth == "on", try apiTokens().isEmpty {
            throw ValidationError(
                "--api-tokens / FORGE_API_TOKENS (or FORGE_API_TOKENS_FILE): no token is set; set at least one, or FORGE_AUTH=off to run without auth"
            )
        }
        if auth == "on", let problem = GatewayConfiguration.tokenProblem(try apiTokens()) {
            throw ValidationError("--api-tokens / FORGE_API_TOKENS (or FORGE_API_TOKENS_FILE): \(problem)")
        }
    }

    public func run() async throws {
        LogSetup.bootstrap(service: "forge-gateway", level: service.level)
        let logger = Logger(label: "forge.gateway")
        let redis = RedisClient(
            configuration: try RedisConfiguration(
                url: try service.redisURL(),
                setting: "--redis-url / FORGE_REDIS_URL",
                poolSize: connections.redisConnections
            )
        )
        // List reads on connections of their own (see GatewayDependencies.listQueues).
        let listRedis = RedisClient(
            configuration: try RedisConfiguration(
                url: try service.redisURL(),
                setting: "--redis-url / FORGE_REDIS_URL",
                poolSize: GatewayDependencies.listConnections
            )
        )
        let postgresConfiguration = try PostgresConfiguration(
            url: try service.postgresURL(),
            poolSize: 4,
            schema: PostgresConfiguration.schema(forNamespace: service.namespace),
            connectTimeoutSeconds: 2,
            searchTimeoutMs: searchTimeoutMs,
            setting: "--postgres-url / FORGE_POSTGRES_URL"
        )
        let postgres = PostgresClient(configuration: postgresConfiguration)
        // Readiness probes on a connection of their own: searches cannot make /readyz wait.
        var probeConfiguration = postgresConfiguration
        probeConfiguration.poolSize = 1
        let probe = PostgresClient(configuration: probeConfiguration)
        let keys = KeySpace(namespace: service.namespace)
        // "schema": not ready until `forge migrate` has run, so the service waits for it.
        let schema = SchemaCheck(client: probe)
        let readiness = Readiness(
            checks: [
                (name: "redis", check: { try await redis.checkReady() }),
                (
                    name: "postgres",
                    check: {
                        try await probe.check()
                        return true
                    }
                ),
                (name: "schema", check: { await schema.isCurrent() }),
            ],
            logger: logger
        )
        let dependencies = GatewayDependencies(
            queues: QueueStore(redis: redis, keys: keys, finishedRetentionMs: finished.finishedTTLMs),
            schedules: ScheduleStore(redis: redis, keys: keys),
            history: HistoryStore(client: postgres),
            readiness: readiness,
            metrics: ForgeMetrics(),
            logger: logger,
            listQueues: QueueStore(redis: listRedis, keys: keys, finishedRetentionMs: finished.finishedTTLMs)
        )
        let tokens = try apiTokens()
        var limits = JobLimits.standard
        limits.maxPayloadBytes = maxPayloadBytes
        let configuration = GatewayConfiguration(
            apiTokens: tokens,
            authEnabled: auth == "on",
            maxBodyBytes: maxBodyBytes,
            jobLimits: limits,
            idempotencyWindowMs: Int64(idempotencyTTLSeconds) * 1000,
            rateLimitPerSecond: Double(rateLimitRPS),
            rateLimitBurst: rateLimitBurst,
            idleTimeoutSeconds: httpIdleTimeoutSeconds,
            maxQueues: queueLimit.maxQueues,
            maxSchedules: maxSchedules > 0 ? maxSchedules : nil,
            maxSchedulePayloadBytes: maxSchedulePayloadBytes,
            maxPageBytes: maxPageBytes
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
        let group = ServiceGroup(
            configuration: .init(services: [application], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        )
        let result: Result<Void, any Error>
        do {
            try await group.run()
            result = .success(())
        } catch { result = .failure(error) }
        await redis.shutdown()
        await listRedis.shutdown()
        await postgres.shutdown()
        await probe.shutdown()
        try result.get()
    }
}
