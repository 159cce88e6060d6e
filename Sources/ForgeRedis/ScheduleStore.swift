import ForgeCore
import FoundationEssentials

/// Cron schedules in Redis (``ScheduleKeys``): the gateway's side here (create, replace, delete,
/// read); the scheduler leader's in `ScheduleStore+Due.swift`.
///
/// Besides each schedule's JSON and last tick, a due index holds when the leader must next read
/// each schedule, so a pass reads only the schedules that are due instead of every schedule with
/// its payload five times a second. A PUT or DELETE updates the index in the same script as the
/// schedule; the leader moves an entry after it has read the schedule, unless a write came in
/// meanwhile. Schedules stored before the index existed are indexed by the leader
/// (``reindex()``, at the start of each leadership and every minute).
public struct ScheduleStore: Sendable {
    /// What ``put(_:maxSchedules:)`` did.
    public enum PutOutcome: Sendable, Hashable {
        case created, replaced
        /// A new schedule would exceed the limit; nothing changed.
        case limitReached
    }

    public let redis: RedisClient
    public let keys: KeySpace

    public init(redis: RedisClient, keys: KeySpace = KeySpace()) {
        self.redis = redis
        self.keys = keys
    }

    /// Creates or replaces a schedule, within `maxSchedules` (`nil`: no limit); replacing one is
    /// always allowed. The leader reads it at its next pass.
    @discardableResult
    public func put(_ schedule: Schedule, maxSchedules: Int? = nil) async throws(RedisError) -> PutOutcome {
        let json = String(decoding: (try? JSONEncoder().encode(schedule)) ?? Data(), as: UTF8.self)
        let call = PutScheduleScript.call(keys.schedules, name: schedule.name, json: json, paused: schedule.paused, limit: maxSchedules)
        let reply = try await redis.evaluate(call)
        switch reply.int {
        case 1: return .created
        case 0: return .replaced
        case -1: return .limitReached
        default: throw RedisError.unexpectedReply("put-schedule", reply)
        }
    }

    /// Whether a schedule named `name` fits within `maxSchedules` now: it exists, or fewer exist.
    /// A read, for refusing before other writes; ``put(_:maxSchedules:)`` decides atomically.
    public func hasRoom(for name: String, maxSchedules: Int?) async throws(RedisError) -> Bool {
        guard let maxSchedules, maxSchedules > 0 else { return true }
        let replies = try await redis.pipeline([["HEXISTS", keys.schedules.records, name], ["HLEN", keys.schedules.records]])
        for case .error(let message) in replies { throw RedisError.server(message) }
        return replies[0].int == 1 || (replies[1].int ?? 0) < Int64(maxSchedules)
    }

    /// Deletes a schedule; `false` when there was none.
    public func delete(_ name: String) async throws(RedisError) -> Bool {
        let deleted = try await redis.evaluate(DeleteScheduleScript.call(keys.schedules, name: name)).int == 1
        _ = try await redis.command(["HDEL", keys.schedules.fired, name])
        return deleted
    }

    public func get(_ name: String) async throws(RedisError) -> Schedule? {
        try await redis.command(["HGET", keys.schedules.records, name]).string.flatMap(Self.decode)
    }

    /// All schedules, sorted by name (for the API: the leader reads only what is due).
    public func all() async throws(RedisError) -> [Schedule] {
        let flat = try await redis.command(["HGETALL", keys.schedules.records]).array ?? []
        let schedules = stride(from: 1, to: flat.count, by: 2).compactMap { flat[$0].string.flatMap(Self.decode) }
        return schedules.sorted { $0.name < $1.name }
    }

    /// The last tick enqueued per schedule.
    public func lastFired() async throws(RedisError) -> [String: Int64] {
        let flat = try await redis.command(["HGETALL", keys.schedules.fired]).array ?? []
        var fired: [String: Int64] = [:]
        for index in stride(from: 0, to: flat.count - 1, by: 2) {
            if let name = flat[index].string, let tick = flat[index + 1].int { fired[name] = tick }
        }
        return fired
    }

    /// A stored schedule; `nil` when its JSON is not one (a foreign or damaged value).
    static func decode(_ json: String) -> Schedule? {
        try? JSONDecoder().decode(Schedule.self, from: Data(json.utf8))
    }
}
