import ForgeCore
import ForgeRedis
import ForgeTestSupport
import Foundation

/// A real Redis for tests (`FORGE_TEST_REDIS_URL`, started by scripts/test.sh), with a key
/// namespace of the test's own so tests run in parallel without seeing each other.
struct TestRedis {
    let client: RedisClient
    let store: QueueStore
    let keys: KeySpace

    static var configuration: RedisConfiguration { configuration(url: nil) }

    /// The shared test Redis, or the server at `url` (a test's own ``PrivateRedis``).
    static func configuration(url: String?) -> RedisConfiguration {
        let url = url ?? ProcessInfo.processInfo.environment["FORGE_TEST_REDIS_URL"] ?? "redis://127.0.0.1:16379"
        return try! RedisConfiguration(url: url, setting: "FORGE_TEST_REDIS_URL", poolSize: 8)
    }

    static func with<T>(
        url: String? = nil, finishedRetentionMs: Int64 = 60_000,
        _ body: (TestRedis) async throws -> T
    ) async throws -> T {
        let client = RedisClient(configuration: configuration(url: url))
        let keys = KeySpace(namespace: "t-\(UUID().uuidString.prefix(8).lowercased())")
        let redis = TestRedis(
            client: client,
            store: QueueStore(redis: client, keys: keys, finishedRetentionMs: finishedRetentionMs),
            keys: keys
        )
        defer { Task { await redis.cleanUp() } }
        return try await body(redis)
    }

    /// Deletes every key of this test's namespace.
    func cleanUp() async {
        await client.deleteKeys(of: keys.namespace)
        await client.shutdown()
    }
}

func job(
    _ type: String = "noop", queue: String = "q", priority: Int? = nil, delayMs: Int64? = nil,
    maxAttempts: Int? = nil, uniqueKey: String? = nil, uniqueForMs: Int64? = nil, payload: String? = nil
) -> NewJob {
    try! NewJob(
        queue: queue, type: type, payload: payload, priority: priority, delayMs: delayMs, maxAttempts: maxAttempts,
        uniqueKey: uniqueKey, uniqueForMs: uniqueForMs
    )
}

let q = try! QueueName("q")

func sleep(ms: Int) async throws { try await Task.sleep(for: .milliseconds(ms)) }

extension TestRedis {
    /// Makes a job's time in one of the queue's ZSETs (scheduled, retry, leased) lie in the past,
    /// as if the clock had moved on, so time-based tests need no sleeps.
    func makeDue(_ id: JobID, in set: KeyPath<QueueKeys, String>, queue: QueueName = q) async throws {
        let reply = try await client.command(["ZADD", keys.queue(queue)[keyPath: set], "XX", "CH", "1", id.rawValue])
        precondition(reply.int == 1, "job \(id) is not in \(keys.queue(queue)[keyPath: set])")
    }
}
