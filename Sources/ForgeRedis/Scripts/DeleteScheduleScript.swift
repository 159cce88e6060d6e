/// Deletes a cron schedule with its index entries, so the leader never reads a schedule that is
/// gone, nor misses one that a PUT recreated meanwhile.
///
/// KEYS: 1 the schedules HASH, 2 the due ZSET, 3 the fresh SET (one slot: see ``ScheduleKeys``)
/// ARGV: 1 name
///
/// Returns 1 when the schedule existed, else 0. Its last tick (another slot) is removed by the
/// caller afterwards.
enum DeleteScheduleScript {
    static let script = LuaScript(
        name: "delete-schedule",
        source: #"""
            local deleted = redis.call('HDEL', KEYS[1], ARGV[1])
            redis.call('ZREM', KEYS[2], ARGV[1])
            redis.call('SREM', KEYS[3], ARGV[1])
            return deleted
            """#
    )

    static func call(_ keys: ScheduleKeys, name: String) -> ScriptCall {
        ScriptCall(script, keys: [keys.records, keys.due, keys.fresh], arguments: [name])
    }
}
