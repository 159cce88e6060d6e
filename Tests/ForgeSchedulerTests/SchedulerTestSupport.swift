import ForgeCore
import ForgeObservability
import ForgePostgres
import ForgeRedis
import ForgeTestSupport
import ForgeScheduler
import Foundation
import Logging
import Synchronization

/// A real Redis with a key namespace of the test's own (`FORGE_TEST_REDIS_URL`).
struct TestRedis {
    let client: RedisClient
    let keys: KeySpace
    let queues: QueueStore
    let schedules: ScheduleStore

    static var configuration: RedisConfiguration {
        let url = ProcessInfo.processInfo.environment["FORGE_TEST_REDIS_URL"] ?? "redis://127.0.0.1:16379"
        return try! RedisConfiguration(url: url, setting: "FORGE_TEST_REDIS_URL", poolSize: 8)
    }

    static func with<T>(_ body: (TestRedis) async throws -> T) async throws -> T {
        let client = RedisClient(configuration: configuration)
        let keys = KeySpace(namespace: "t-\(UUID().uuidString.prefix(8).lowercased())")
        let redis = TestRedis(
            client: client, keys: keys, queues: QueueStore(redis: client, keys: keys, finishedRetentionMs: 60_000),
            schedules: ScheduleStore(redis: client, keys: keys)
        )
        let result: Result<T, any Error>
        do { result = .success(try await body(redis)) } catch { result = .failure(error) }
        await redis.cleanUp()
        return try result.get()
    }

    /// Deletes every key of this test's namespace.
    func cleanUp() async {
        await client.deleteKeys(of: keys.namespace)
        await client.shutdown()
    }

    /// Puts a job's time in one of the queue's ZSETs into the past, so tests need no sleeps.
    func makeDue(_ id: JobID, in set: KeyPath<QueueKeys, String>, queue: QueueName) async throws {
        let reply = try await client.command(["ZADD", keys.queue(queue)[keyPath: set], "XX", "CH", "1", id.rawValue])
        precondition(reply.int == 1, "job \(id) is not in \(keys.queue(queue)[keyPath: set])")
    }
}

/// A private, migrated Postgres schema per test (`FORGE_TEST_POSTGRES_URL`).
enum TestDatabase {
    static var url: String {
        ProcessInfo.processInfo.environment["FORGE_TEST_POSTGRES_URL"] ?? "postgres://forge@127.0.0.1:15432/forge"
    }

    static func withSchema<T>(_ body: (PostgresClient) async throws -> T) async throws -> T {
        let schema = "test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        let client = PostgresClient(
            configuration: try PostgresConfiguration(url: url, poolSize: 2, schema: schema, createSchema: true)
        )
        let result: Result<T, any Error>
        do {
            try await Migrator(client: client).migrate()
            result = .success(try await body(client))
        } catch {
            result = .failure(error)
        }
        _ = try? await client.query("DROP SCHEMA \(PostgresConnection.quoteIdentifier(schema)) CASCADE")
        await client.shutdown()
        return try result.get()
    }
}

/// A settable wall clock (Unix ms) for cron and retention.
final class TestClock: Sendable {
    private let value: Mutex<Int64>
    init(_ start: Int64) { value = Mutex(start) }
    var now: Int64 {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
    var closure: @Sendable () -> Int64 { { [self] in now } }
}

let testLogger: Logger = {
    var logger = Logger(label: "forge.scheduler.tests")
    logger.logLevel = .error
    return logger
}()

func reporter(_ metrics: ForgeMetrics) -> FailureReporter { FailureReporter(metrics: metrics, logger: testLogger) }

/// Polls `condition` every 15 ms until it holds or `timeout` passes; returns whether it held.
func eventually(timeout: Duration = .seconds(5), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(15))
    }
    return try await condition()
}

/// The value of one series in the `/metrics` text, e.g. `forge_leases_expired_total{queue="q"}`.
func metricValue(_ metrics: ForgeMetrics, _ series: String) -> Double? {
    let text = String(decoding: metrics.render(), as: UTF8.self)
    for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
        return Double(line.dropFirst(series.count + 1).trimmingCharacters(in: .whitespaces))
    }
    return nil
}

func newJob(queue: String, delayMs: Int64? = nil, maxAttempts: Int? = nil) -> NewJob {
    try! NewJob(queue: queue, type: "noop", delayMs: delayMs, maxAttempts: maxAttempts)
}
