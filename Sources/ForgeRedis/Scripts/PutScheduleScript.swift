/// Creates or replaces a cron schedule, within a limit on their number, and marks it due so the
/// scheduler leader reads it at its next pass.
///
/// KEYS: 1 the schedules HASH, 2 the due ZSET, 3 the fresh SET, 4 the version counter (one slot:
///       see ``ScheduleKeys``)
/// ARGV: 1 name, 2 the schedule's JSON, 3 `1` when the schedule is paused, 4 the most schedules
///       there may be (`0`: no limit)
///
/// Guarantees: an existing schedule is always replaced; a new one is stored only while fewer than
/// the limit exist, counted and written in one step, so concurrent PUTs cannot overshoot. A paused
/// schedule is parked (due `+inf`: the leader does not read it); any other gets a due score of its
/// own below zero (read at the next pass; a pass that read the schedule before cannot mistake it
/// for the score it saw), and is fresh (starts from its next tick) when it is new or was paused.
/// Returns 1 (created), 0 (replaced) or -1 (refused: the limit is reached; nothing changed).
enum PutScheduleScript {
    static let script = LuaScript(
        name: "put-schedule",
        source: #"""
            local exists = redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1
            local limit = tonumber(ARGV[4])
            if not exists and limit > 0 and redis.call('HLEN', KEYS[1]) >= limit then return -1 end
            redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
            if ARGV[3] == '1' then
              redis.call('ZADD', KEYS[2], '+inf', ARGV[1])
            else
              if not exists or redis.call('ZSCORE', KEYS[2], ARGV[1]) == 'inf' then redis.call('SADD', KEYS[3], ARGV[1]) end
              redis.call('ZADD', KEYS[2], -redis.call('INCR', KEYS[4]), ARGV[1])
            end
            if exists then return 0 end
            return 1
            """#
    )

    static func call(_ keys: ScheduleKeys, name: String, json: String, paused: Bool, limit: Int?) -> ScriptCall {
        ScriptCall(
            script,
            keys: [keys.records, keys.due, keys.fresh, keys.version],
            arguments: [name, json, paused ? "1" : "0", String(limit ?? 0)]
        )
    }
}
