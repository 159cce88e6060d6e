import ArgumentParser

/// How many pipelining connections a service keeps to Redis. Each carries every request queued
/// while the previous round trip was on the wire, so a few serve thousands of concurrent callers;
/// more only help when Redis is remote and round trips are long.
public struct RedisConnectionOptions: ParsableArguments {
    @Option(
        name: .customLong("redis-connections"),
        help: "Pipelining connections to Redis (env FORGE_REDIS_CONNECTIONS; default 2)."
    )
    public var redisConnections = Int(environment("FORGE_REDIS_CONNECTIONS", "")) ?? 2

    public init() {}

    public func validate() throws {
        if let text = environment("FORGE_REDIS_CONNECTIONS", nil), Int(text) == nil {
            throw ValidationError("FORGE_REDIS_CONNECTIONS: '\(text)' is not a number")
        }
        guard (1...64).contains(redisConnections) else {
            throw ValidationError("--redis-connections / FORGE_REDIS_CONNECTIONS: must be between 1 and 64, got \(redisConnections)")
        }
    }
}
