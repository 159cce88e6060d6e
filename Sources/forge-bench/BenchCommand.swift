import ArgumentParser
import ForgeCore
import ForgePostgres
import ForgeRedis
import ForgeScheduler
import FoundationEssentials

/// Measures the raw engine: enqueue → lease → ack of no-op jobs through Redis from one process,
/// optionally with the history archiver writing every event to Postgres at the same time.
public struct BenchCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "forge-bench",
        abstract: "Raw engine throughput: enqueue → lease → ack of no-op jobs, optionally archived to Postgres."
    )

    public init() {}

    // URLs may hold passwords: no ArgumentParser default from the environment, which --help would print.
    @Option(help: "Redis URL (env FORGE_REDIS_URL; default redis://127.0.0.1:6379).") var redisURL: String?
    @Option(help: "Postgres URL, used with --archive (env FORGE_POSTGRES_URL; default postgres://forge@127.0.0.1:5432/forge).")
    var postgresURL: String?
    @Option(help: "Jobs to push through.") var jobs = 100_000
    @Option(help: "Jobs per enqueue, lease and ack call.") var batch = 100
    @Option(help: "Concurrent producer tasks.") var producers = 2
    @Option(help: "Concurrent consumer tasks.") var consumers = 4
    @Flag(help: "Archive every event to Postgres while running; the clock stops when history has caught up.")
    var archive = false
    @Option(help: "Total enqueue rate in jobs/s, spread over the producers (open loop); 0 = as fast as possible.")
    var rate = 0
    @Flag(help: "Enqueue everything first, then drain: reports enqueue and lease→ack rates separately.")
    var phases = false

    public func validate() throws {
        guard jobs > 0 else { throw ValidationError("--jobs must be positive") }
        guard (1...1000).contains(batch) else { throw ValidationError("--batch must be 1…1000") }
        guard producers > 0, consumers > 0 else { throw ValidationError("--producers and --consumers must be positive") }
    }

    public func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let redisURL = redisURL ?? environment["FORGE_REDIS_URL"] ?? "redis://127.0.0.1:6379"
        let postgresURL = postgresURL ?? environment["FORGE_POSTGRES_URL"] ?? "postgres://forge@127.0.0.1:5432/forge"
        let redisConfig = try RedisConfiguration(url: redisURL, setting: "--redis-url", poolSize: producers + consumers + 1)
        let redis = RedisClient(configuration: redisConfig)
        let keys = KeySpace(namespace: "bench-\(UUID().uuidString.prefix(6).lowercased())")
        let store = QueueStore(redis: redis, keys: keys, finishedRetentionMs: 60_000)
        let queue = try QueueName("bench")
        var archiver: HistoryArchiver?
        var postgres: PostgresClient?
        if archive {
            let client = PostgresClient(configuration: try PostgresConfiguration(url: postgresURL, setting: "--postgres-url"))
            _ = try await Migrator(client: client).migrate()
            postgres = client
            archiver = HistoryArchiver(queues: store, history: HistoryStore(client: client), batchSize: 200)
        }
        let run = EngineRun(
            store: store,
            queue: queue,
            jobs: jobs,
            batch: batch,
            producers: producers,
            consumers: consumers,
            rate: rate
        )
        if phases {
            print(try await run.executeInPhases())
        } else {
            let report = try await run.execute(archiver: archiver)
            print(report.summary(batch: batch, archive: archive))
        }
        _ = try? await redis.command(["DEL"] + keys.queue(queue).structures + [keys.queues])
        await redis.shutdown()
        await postgres?.shutdown()
    }
}
