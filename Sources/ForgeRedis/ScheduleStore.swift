import ForgeCore
import Foundation

/// Cron schedules in Redis: a HASH `<ns>:schedules` of name → JSON ``Schedule``, and a HASH
/// `<ns>:schedules:fired` of name → the last tick (Unix ms) the scheduler leader enqueued.
///
/// Both are global, cold keys: the gateway writes schedules rarely and the leader reads them once
/// per tick.
public struct ScheduleStore: Sendable {
    public let redis: RedisClient
    public let keys: KeySpace

    public init(redis: RedisClient, keys: KeySpace = KeySpace()) {
        self.redis = redis
        self.keys = keys
    }

    var schedulesKey: String { "\(keys.namespace):schedules" }
    var firedKey: String { "\(keys.namespace):schedules:fired" }

    /// Creates or replaces a schedule; returns `true` when it was new.
    @discardableResult
    public func put(_ schedule: Schedule) async throws(RedisError) -> Bool {
        let json = String(decoding: (try? JSONEncoder().encode(schedule)) ?? Data(), as: UTF8.self)
        return try await redis.command(["HSET", schedulesKey, schedule.name, json]).int == 1
    }

    /// Deletes a schedule; `false` when there was none.
    public func delete(_ name: String) async throws(RedisError) -> Bool {
        let replies = try await redis.pipeline([["HDEL", schedulesKey, name], ["HDEL", firedKey, name]])
        return replies[0].int == 1
    }

    public func get(_ name: String) async throws(RedisError) -> Schedule? {
        guard let json = try await redis.command(["HGET", schedulesKey, name]).string else { return nil }
        return try? JSONDecoder().decode(Schedule.self, from: Data(json.utf8))
    }

    /// All schedules, sorted by name.
    public func all() async throws(RedisError) -> [Schedule] {
        let flat = try await redis.command(["HGETALL", schedulesKey]).array ?? []
        var schedules: [Schedule] = []
        for index in stride(from: 1, to: flat.count, by: 2) {
            if let json = flat[index].string, let schedule = try? JSONDecoder().decode(Schedule.self, from: Data(json.utf8)) {
                schedules.append(schedule)
            }
        }
        return schedules.sorted { $0.name < $1.name }
    }

    /// The last tick enqueued per schedule.
    public func lastFired() async throws(RedisError) -> [String: Int64] {
        let flat = try await redis.command(["HGETALL", firedKey]).array ?? []
        var fired: [String: Int64] = [:]
        for index in stride(from: 0, to: flat.count - 1, by: 2) {
            if let name = flat[index].string, let tick = flat[index + 1].int { fired[name] = tick }
        }
        return fired
    }

    /// Records that `tick` of `name` was enqueued; never moves backwards.
    public func markFired(_ name: String, tick: Int64) async throws(RedisError) {
        _ = try await redis.evaluate(ScriptCall(Self.markFiredScript, keys: [firedKey], arguments: [name, String(tick)]))
    }

    static let markFiredScript = LuaScript(name: "mark-fired", source: """
        local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
        if tonumber(ARGV[2]) > current then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
        return 1
        """)
}
