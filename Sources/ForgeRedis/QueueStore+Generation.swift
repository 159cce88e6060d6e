import ForgeCore

extension QueueStore {
    /// The generation of this Redis's data (``KeySpace/generation``), `nil` when it has none.
    public func generation() async throws(RedisError) -> String? {
        try await redis.command(["GET", keys.generation]).string
    }

    /// Sets the generation; with `onlyIfMissing`, keeps one already there. Returns the value now held.
    @discardableResult
    public func setGeneration(_ generation: String, onlyIfMissing: Bool = false) async throws(RedisError) -> String? {
        _ = try await redis.command(["SET", keys.generation, generation] + (onlyIfMissing ? ["NX"] : []))
        return try await self.generation()
    }
}
