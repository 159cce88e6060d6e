import ArgumentParser
import ForgePostgres
import ForgeRedis
import ForgeScheduler
import ForgeService
import ForgeServicePostgres
import FoundationEssentials

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
    @OptionGroup var durability: DurabilityOptions

    static let leaderTTLMs = NumberSetting<Int64>(
        "--leader-ttl-ms",
        "FORGE_LEADER_TTL_MS",
        default: 5000,
        range: 300...600_000,
        kind: "a number of milliseconds"
    )
    static let retentionDays = NumberSetting("--retention-days", "FORGE_RETENTION_DAYS", default: 14, range: 1...36_500, kind: "a number of days")
    static let historyBacklogLimitMB = NumberSetting(
        "--history-backlog-limit-mb",
        "FORGE_HISTORY_BACKLOG_LIMIT_MB",
        default: 256,
        range: 0...1_048_576,
        kind: "a number of MiB"
    )
    static let deadLetterMax = NumberSetting(
        "--dead-letter-max",
        "FORGE_DEAD_LETTER_MAX",
        default: 10_000,
        range: 0...100_000_000,
        kind: "a whole number"
    )
    static let deadLetterMaxAgeDays = NumberSetting(
        "--dead-letter-max-age-days",
        "FORGE_DEAD_LETTER_MAX_AGE_DAYS",
        default: 180,
        range: 0...100_000_000,
        kind: "a whole number"
    )

    @Option(name: .customLong("leader-ttl-ms"), help: "Leader lock TTL in ms; renewed every third \(Self.leaderTTLMs.help).")
    var leaderTTLMs: Int64?

    @Option(help: "Days finished jobs stay in Postgres history \(Self.retentionDays.help).")
    var retentionDays: Int?

    @Option(
        name: .customLong("history-backlog-limit-mb"),
        help:
            "Unarchived history per queue (MiB of Redis memory) above which enqueue is refused until Postgres catches up; 0 = no limit \(Self.historyBacklogLimitMB.help)."
    )
    var historyBacklogLimitMB: Int?

    @Option(help: "Dead letters kept in Redis per queue, oldest removed first; 0 = no cap \(Self.deadLetterMax.help).")
    var deadLetterMax: Int?

    @Option(help: "Days a dead letter stays in Redis (Postgres keeps its history); 0 = no limit \(Self.deadLetterMaxAgeDays.help).")
    var deadLetterMaxAgeDays: Int?

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
        _ = try schedulerConfiguration()
    }

    /// The settings as a ``SchedulerConfiguration``, with errors that name the flag and variable.
    func schedulerConfiguration() throws -> SchedulerConfiguration {
        if replicaID.isEmpty || replicaID.utf8.count > 200 {
            throw ValidationError("--id / FORGE_SCHEDULER_ID: must be 1 to 200 bytes long")
        }
        return SchedulerConfiguration(
            id: replicaID,
            leaderTTLMs: try Self.leaderTTLMs.value(flag: leaderTTLMs),
            retentionDays: try Self.retentionDays.value(flag: retentionDays),
            historyBacklogLimitBytes: try Self.historyBacklogLimitMB.value(flag: historyBacklogLimitMB) << 20,
            deadLetterMax: try Self.deadLetterMax.value(flag: deadLetterMax),
            deadLetterMaxAgeMs: Int64(try Self.deadLetterMaxAgeDays.value(flag: deadLetterMaxAgeDays)) * 86_400_000,
            maxQueues: try queueLimit.maxQueues(),
            persistsTicksBeforeRedis: try durability.persistsBeforeRedis()
        )
    }

    public func run() async throws {
        let bootstrap = ServiceBootstrap(service: "forge-scheduler", options: service)
        let redis = try bootstrap.redis(poolSize: try connections.redisConnections())
        let postgres = try bootstrap.postgres(poolSize: 2)
        bootstrap.addPostgresChecks(through: postgres)
        let keys = bootstrap.keys
        let scheduler = SchedulerService(
            configuration: try schedulerConfiguration(),
            queues: QueueStore(redis: redis, keys: keys, finishedRetentionMs: try finished.finishedTTLMs()),
            schedules: ScheduleStore(redis: redis, keys: keys),
            history: HistoryStore(client: postgres),
            metrics: bootstrap.metrics,
            readiness: bootstrap.readiness(),
            logger: bootstrap.logger
        )
        try await bootstrap.run([scheduler], probesPort: service.port(default: 8081))
    }
}
