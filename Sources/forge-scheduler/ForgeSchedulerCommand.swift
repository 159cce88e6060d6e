import ArgumentParser
import ForgeObservability
import ForgePostgres
import ForgeRedis
import ForgeScheduler
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// `forge-scheduler`: promotes due jobs, reclaims expired leases, fires cron schedules, archives
/// history and applies retention while it holds the leader lease; a hot standby otherwise.
/// Runs the probe server (8081) and the scheduler until SIGTERM/SIGINT, then drains.
public struct ForgeSchedulerCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "forge-scheduler",
        abstract: "Forge's scheduler: one leader at a time promotes, reclaims, fires cron, archives and prunes history."
    )

    public init() {}

    @OptionGroup var service: ServiceOptions
    @OptionGroup var finished: FinishedJobOptions
    @OptionGroup var connections: RedisConnectionOptions
    @OptionGroup var queueLimit: QueueLimitOptions

    @Option(name: .customLong("leader-ttl-ms"), help: "Leader lock TTL in ms; renewed every third (env FORGE_LEADER_TTL_MS).")
    var leaderTTLMs = Int64(environment("FORGE_LEADER_TTL_MS", "")) ?? 5000

    @Option(help: "Days finished jobs stay in Postgres history (env FORGE_RETENTION_DAYS).")
    var retentionDays = Int(environment("FORGE_RETENTION_DAYS", "")) ?? 14

    @Option(
        name: .customLong("history-backlog-limit-mb"),
        help:
            "Unarchived history per queue (MiB of Redis memory) above which enqueue is refused until Postgres catches up; 0 = no limit (env FORGE_HISTORY_BACKLOG_LIMIT_MB)."
    )
    var historyBacklogLimitMB = Int(environment("FORGE_HISTORY_BACKLOG_LIMIT_MB", "")) ?? 256

    @Option(help: "Dead letters kept in Redis per queue, oldest removed first; 0 = no cap (env FORGE_DEAD_LETTER_MAX).")
    var deadLetterMax = Int(environment("FORGE_DEAD_LETTER_MAX", "")) ?? 10_000

    @Option(help: "Days a dead letter stays in Redis (Postgres keeps its history); 0 = no limit (env FORGE_DEAD_LETTER_MAX_AGE_DAYS).")
    var deadLetterMaxAgeDays = Int(environment("FORGE_DEAD_LETTER_MAX_AGE_DAYS", "")) ?? 180

    @Option(help: "This replica's id in the leader lock (env FORGE_SCHEDULER_ID; default hostname-pid).")
    var id: String?

    /// `--id`, else `FORGE_SCHEDULER_ID`, else `hostname-pid`: unique per process, readable in
    /// the lock and in logs.
    var replicaID: String {
        id ?? environment("FORGE_SCHEDULER_ID", nil)
            ?? "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
    }

    public func validate() throws {
        _ = try service.redisURL()
        _ = try service.postgresURL()
        if let text = environment("FORGE_LEADER_TTL_MS", nil), Int64(text) == nil {
            throw ValidationError("FORGE_LEADER_TTL_MS: '\(text)' is not a number of milliseconds")
        }
        if let text = environment("FORGE_RETENTION_DAYS", nil), Int(text) == nil {
            throw ValidationError("FORGE_RETENTION_DAYS: '\(text)' is not a number of days")
        }
        guard (300...600_000).contains(leaderTTLMs) else {
            throw ValidationError("--leader-ttl-ms / FORGE_LEADER_TTL_MS: must be between 300 and 600000, got \(leaderTTLMs)")
        }
        guard (1...36_500).contains(retentionDays) else {
            throw ValidationError("--retention-days / FORGE_RETENTION_DAYS: must be between 1 and 36500, got \(retentionDays)")
        }
        if let text = environment("FORGE_HISTORY_BACKLOG_LIMIT_MB", nil), Int(text) == nil {
            throw ValidationError("FORGE_HISTORY_BACKLOG_LIMIT_MB: '\(text)' is not a number of MiB")
        }
        guard (0...1_048_576).contains(historyBacklogLimitMB) else {
            throw ValidationError(
                "--history-backlog-limit-mb / FORGE_HISTORY_BACKLOG_LIMIT_MB: must be between 0 and 1048576, got \(historyBacklogLimitMB)"
            )
        }
        for (variable, flag, value) in [
            ("FORGE_DEAD_LETTER_MAX", "--dead-letter-max", deadLetterMax),
            ("FORGE_DEAD_LETTER_MAX_AGE_DAYS", "--dead-letter-max-age-days", deadLetterMaxAgeDays),
        ] {
            if let text = environment(variable, nil), Int(text) == nil {
                throw ValidationError("\(variable): '\(text)' is not a whole number")
            }
            guard (0...100_000_000).contains(value) else {
                throw ValidationError("\(flag) / \(variable): must be between 0 and 100000000, got \(value)")
            }
        }
        if replicaID.isEmpty || replicaID.utf8.count > 200 {
            throw ValidationError("--id / FORGE_SCHEDULER_ID: must be 1 to 200 bytes long")
        }
    }

    public func run() async throws {
        LogSetup.bootstrap(service: "forge-scheduler", level: service.level)
        let logger = Logger(label: "forge.scheduler")
        let redis = RedisClient(
            configuration: try RedisConfiguration(
                url: try service.redisURL(),
                setting: "--redis-url / FORGE_REDIS_URL",
                poolSize: connections.redisConnections
            )
        )
        let postgres = PostgresClient(
            configuration: try PostgresConfiguration(
                url: try service.postgresURL(),
                poolSize: 2,
                schema: PostgresConfiguration.schema(forNamespace: service.namespace),
                connectTimeoutSeconds: 2,
                setting: "--postgres-url / FORGE_POSTGRES_URL"
            )
        )
        let keys = KeySpace(namespace: service.namespace)
        let metrics = ForgeMetrics()
        // "schema": not ready until `forge migrate` has run, so the service waits for it.
        let schema = SchemaCheck(client: postgres)
        let readiness = Readiness(
            checks: [
                (name: "redis", check: { try await redis.checkReady() }),
                (
                    name: "postgres",
                    check: {
                        try await postgres.check()
                        return true
                    }
                ),
                (name: "schema", check: { await schema.isCurrent() }),
            ],
            logger: logger
        )
        let scheduler = SchedulerService(
            configuration: SchedulerConfiguration(
                id: replicaID,
                leaderTTLMs: leaderTTLMs,
                retentionDays: retentionDays,
                historyBacklogLimitBytes: historyBacklogLimitMB << 20,
                deadLetterMax: deadLetterMax,
                deadLetterMaxAgeMs: Int64(deadLetterMaxAgeDays) * 86_400_000,
                maxQueues: queueLimit.maxQueues
            ),
            queues: QueueStore(redis: redis, keys: keys, finishedRetentionMs: finished.finishedTTLMs),
            schedules: ScheduleStore(redis: redis, keys: keys),
            history: HistoryStore(client: postgres),
            metrics: metrics,
            readiness: readiness,
            logger: logger
        )
        let probes = ProbeServer.make(
            host: service.httpHost,
            port: service.port(default: 8081),
            readiness: readiness,
            metrics: metrics,
            logger: logger
        )
        // The probe server comes first so it stops last: /readyz reports draining meanwhile.
        let group = ServiceGroup(
            configuration: .init(services: [probes, scheduler], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        )
        let result: Result<Void, any Error>
        do {
            try await group.run()
            result = .success(())
        } catch { result = .failure(error) }
        await redis.shutdown()
        await postgres.shutdown()
        try result.get()
    }
}
