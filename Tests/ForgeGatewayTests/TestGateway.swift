import ForgeCore
import ForgeGateway
import ForgeObservability
import ForgePostgres
import ForgeRedis
import ForgeTestSupport
import Foundation
import Logging
import Testing

/// A gateway running in-process on a free loopback port, over a private Redis namespace and a
/// private, migrated Postgres schema, torn down after the test.
struct TestGateway {
    static let token = "test-token-1"

    let http: HTTPClient
    /// The loopback port the gateway listens on.
    let port: Int
    let metrics: ForgeMetrics
    let queues: QueueStore
    let history: HistoryStore
    let redis: RedisClient
    /// The client the gateway's list reads use (dead letters).
    let listRedis: RedisClient
    let keys: KeySpace
    /// Lease requests waiting for work now (the gateway's `forge_remote_lease_waiters`).
    var waitingLeases: Int {
        let text = String(decoding: metrics.render(), as: UTF8.self)
        let line = text.split(separator: "\n").first { $0.hasPrefix("forge_remote_lease_waiters ") }
        return line.flatMap { Double($0.split(separator: " ").last ?? "") }.map { Int($0) } ?? 0
    }

    static var postgresURL: String {
        ProcessInfo.processInfo.environment["FORGE_TEST_POSTGRES_URL"] ?? "postgres://forge@127.0.0.1:15432/forge"
    }

    /// - Parameter redisURL: overrides the test Redis, e.g. with a closed port to simulate an outage.
    static func with(
        redisURL: String? = nil,
        searchTimeoutMs: Int = PostgresConfiguration.defaultSearchTimeoutMs,
        configure: ConfigurationChange = .none,
        enqueueWait: ReplicaWait? = nil,
        durablePostgresURL: String? = nil,
        _ body: (TestGateway) async throws -> Void
    ) async throws {
        let redis = RedisClient(configuration: TestRedis.configuration(url: redisURL, poolSize: 4))
        // As forge-gateway does: list reads on connections of their own.
        let listRedis = RedisClient(configuration: TestRedis.configuration(url: redisURL, poolSize: GatewayDependencies.listConnections))
        let keys = KeySpace(namespace: "t-\(UUID().uuidString.prefix(8).lowercased())")
        let schema = "test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        let postgres = PostgresClient(
            configuration: try PostgresConfiguration(
                url: postgresURL,
                poolSize: 2,
                schema: schema,
                createSchema: true,
                searchTimeoutMs: searchTimeoutMs
            )
        )
        let result: Result<Void, any Error>
        do {
            try await Migrator(client: postgres).migrate()
            let queues = QueueStore(redis: redis, keys: keys, enqueueWait: enqueueWait)
            // `FORGE_DURABILITY=postgres`: commits through a client of its own, as forge-gateway does.
            let durable = try durablePostgresURL.map {
                PostgresClient(configuration: try PostgresConfiguration(url: $0, poolSize: 2, schema: schema))
            }
            let accepted = durable.map { AcceptedJobWriter(history: HistoryStore(client: $0)) }
            let outcome: Result<Void, any Error>
            do {
                try await run(queues: queues, listRedis: listRedis, postgres: postgres, configure: configure, acceptedJobs: accepted, body)
                outcome = .success(())
            } catch {
                outcome = .failure(error)
            }
            await durable?.shutdown()
            try outcome.get()
            result = .success(())
        } catch {
            result = .failure(error)
        }
        _ = try? await postgres.query("DROP SCHEMA \(PostgresConnection.quoteIdentifier(schema)) CASCADE")
        await postgres.shutdown()
        await redis.deleteKeys(of: keys.namespace)
        await redis.shutdown()
        await listRedis.shutdown()
        try result.get()
    }

    private static func run(
        queues: QueueStore,
        listRedis: RedisClient,
        postgres: PostgresClient,
        configure: ConfigurationChange,
        acceptedJobs: AcceptedJobWriter?,
        _ body: (TestGateway) async throws -> Void
    ) async throws {
        let redis = queues.redis
        let keys = queues.keys
        let history = HistoryStore(client: postgres)
        let metrics = ForgeMetrics()
        let dependencies = GatewayDependencies(
            queues: queues,
            schedules: ScheduleStore(redis: redis, keys: keys),
            history: history,
            readiness: Readiness(checks: [
                (name: "redis", check: { await redis.ping() }),
                (name: "postgres", check: { await postgres.ping() }),
            ]),
            metrics: metrics,
            logger: Logger(label: "test.gateway"),
            listQueues: QueueStore(redis: listRedis, keys: keys),
            acceptedJobs: acceptedJobs
        )
        var configuration = GatewayConfiguration(apiTokens: [token, "other-token"])
        configure.apply(&configuration)

        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let application = GatewayApplication(
            configuration: configuration,
            dependencies: dependencies,
            host: "127.0.0.1",
            port: 0,
            onServerRunning: { port in continuation.yield(port) }
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await application.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CancellationError() }
            let gateway = TestGateway(
                http: HTTPClient(base: "http://127.0.0.1:\(port)", token: token),
                port: port,
                metrics: metrics,
                queues: queues,
                history: history,
                redis: redis,
                listRedis: listRedis,
                keys: keys
            )
            do {
                try await body(gateway)
            } catch {
                group.cancelAll()
                throw error
            }
            group.cancelAll()
        }
    }

    /// The queue's depth by state, straight from Redis.
    func counts(_ queue: String) async throws -> QueueCounts {
        try await queues.status(try QueueName(queue)).counts
    }
}

/// Polls `condition` every 10 ms for up to `seconds`; fails the test if it never holds.
func eventually(
    _ what: String,
    seconds: Double = 5,
    _ condition: () async throws -> Bool,
    sourceLocation: SourceLocation = #_sourceLocation
) async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    Issue.record("timed out waiting for \(what)", sourceLocation: sourceLocation)
}

/// A change to the test gateway's configuration: `TestGateway.with(configure: .set { $0.maxQueues = 1 }) { … }`
/// (a value, so the body stays the one trailing closure).
struct ConfigurationChange: Sendable {
    let apply: @Sendable (inout GatewayConfiguration) -> Void

    static let none = ConfigurationChange { _ in }

    static func set(_ apply: @escaping @Sendable (inout GatewayConfiguration) -> Void) -> ConfigurationChange {
        ConfigurationChange(apply: apply)
    }
}
