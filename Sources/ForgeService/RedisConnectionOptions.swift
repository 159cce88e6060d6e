import ArgumentParser

/// How many pipelining connections a service keeps to Redis. Each carries every request queued
/// while the previous round trip was on the wire, so a few serve thousands of concurrent callers;
/// more only help when Redis is remote and round trips are long.
public struct RedisConnectionOptions: ParsableArguments {
    public static let setting = NumberSetting("--redis-connections", "FORGE_REDIS_CONNECTIONS", default: 2, range: 1...64)

    @Option(name: .customLong("redis-connections"), help: "Pipelining connections to Redis \(Self.setting.help).")
    var flag: Int?

    public init() {}

    /// The number of connections, checked by ``validate()``.
    public func redisConnections() throws -> Int { try Self.setting.value(flag: flag) }

    public func validate() throws { _ = try redisConnections() }
}
