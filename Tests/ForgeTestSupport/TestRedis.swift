import ForgeCore
import ForgeRedis
import Foundation

/// A real Redis for tests (`FORGE_TEST_REDIS_URL`, started by scripts/test.sh, or a test's own
/// ``PrivateRedis``), with a key namespace of the test's own so tests run in parallel without
/// seeing each other.
public struct TestRedis: Sendable {
    public let client: RedisClient
    public let keys: KeySpace
    public let queues: QueueStore
    public let schedules: ScheduleStore

    /// The shared test Redis, or the server at `url`.
    ///
    /// The shared server serves every test at once, on a machine that may be busy with more: its
    /// clients wait up to 10 s for a reply, so a busy moment fails no test that is not about
    /// timeouts (those use a server of their own and set the timeout they test).
    public static func configuration(url: String? = nil, poolSize: Int = 8) -> RedisConfiguration {
        let shared = ProcessInfo.processInfo.environment["FORGE_TEST_REDIS_URL"] ?? "redis://127.0.0.1:16379"
        var configuration = try! RedisConfiguration(url: url ?? shared, setting: "FORGE_TEST_REDIS_URL", poolSize: poolSize)
        if url == nil { configuration.timeoutMs = 10_000 }
        return configuration
    }

    /// Whether the shared test server is a Redis Cluster (scripts/test.sh runs the suite on one
    /// Redis, then on a cluster): tests of what only one Redis has (the namespace's due and
    /// unarchived indexes) are skipped there.
    public static var isCluster: Bool { configuration().cluster }

    /// A namespace of its own on `client`.
    public init(client: RedisClient, finishedRetentionMs: Int64 = 60_000) {
        self.client = client
        keys = KeySpace(namespace: "t-\(UUID().uuidString.prefix(8).lowercased())")
        queues = QueueStore(redis: client, keys: keys, finishedRetentionMs: finishedRetentionMs)
        schedules = ScheduleStore(redis: client, keys: keys)
    }

    /// Runs `body`, then deletes the namespace's keys and closes the client whether `body`
    /// succeeded or not. On the shared server, `body` runs only if the server answers: without
    /// one (`swift test` run without `FORGE_TEST_REDIS_URL`) a test fails at once saying so,
    /// instead of waiting, perhaps for ever, on a change that a missing server never makes.
    public static func with<T>(
        url: String? = nil,
        finishedRetentionMs: Int64 = 60_000,
        _ body: (TestRedis) async throws -> T
    ) async throws -> T {
        let configuration = configuration(url: url)
        let redis = TestRedis(client: RedisClient(configuration: configuration), finishedRetentionMs: finishedRetentionMs)
        let result: Result<T, any Error>
        if url == nil, await !redis.client.ping() {
            let address = "\(configuration.host):\(configuration.port)"
            result = .failure(TestServerMissing(server: "Redis", address: address, variable: "FORGE_TEST_REDIS_URL"))
        } else {
            do { result = .success(try await body(redis)) } catch { result = .failure(error) }
        }
        await redis.cleanUp()
        return try result.get()
    }

    /// Deletes every key of this test's namespace and closes the client.
    public func cleanUp() async {
        await client.deleteKeys(of: keys.namespace)
        await client.shutdown()
    }

    /// Puts a job's time in one of the queue's ZSETs (scheduled, retry, leased) into the past, as
    /// if the clock had moved on, so time-based tests need no sleeps.
    public func makeDue(_ id: JobID, in set: KeyPath<QueueKeys, String>, queue: QueueName) async throws {
        let reply = try await client.command(["ZADD", keys.queue(queue)[keyPath: set], "XX", "CH", "1", id.rawValue])
        precondition(reply.int == 1, "job \(id) is not in \(keys.queue(queue)[keyPath: set])")
        // As if its time had come: the due index is due too (it is never later than the job).
        _ = try await client.command(["ZADD", keys.due, "LT", "1", queue.rawValue])
    }
}

/// The shared test server a test needs does not answer.
public struct TestServerMissing: Error, CustomStringConvertible {
    public var server: String
    public var address: String
    public var variable: String

    public var description: String {
        "no \(server) answers at \(address) (\(variable)); scripts/test.sh starts the test servers and sets it"
    }
}
