import ForgeRedis

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
        let found = (try? await redis.command(["KEYS", "\(namespace):*"]))?.array ?? []
        let names = found.compactMap(\.string)
        if !names.isEmpty { _ = try? await redis.command(["DEL"] + names) }
        await redis.shutdown()
        try result.get()
    }
}
