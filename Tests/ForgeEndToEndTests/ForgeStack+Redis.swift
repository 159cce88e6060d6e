import ForgeRedis
import ForgeTestSupport

extension ForgeStack {
    /// Runs `body` with a store over the stack's own Redis keys, for putting data in place faster
    /// than through the API, and deletes every key of the stack's namespace afterwards, so large
    /// test data leaves the shared Redis.
    func withQueueStore(_ body: (QueueStore) async throws -> Void) async throws {
        let redis = RedisClient(configuration: try RedisConfiguration(url: redisURL, setting: "test"))
        let keys = KeySpace(namespace: namespace)
        let result: Result<Void, any Error>
        do {
            try await body(QueueStore(redis: redis, keys: keys))
            result = .success(())
        } catch {
            result = .failure(error)
        }
        await redis.deleteKeys(of: namespace)
        await redis.shutdown()
        try result.get()
    }
}
