/// Makes the due index agree with the schedules, reading names only (never the schedules' JSON).
///
/// KEYS: 1 the schedules HASH, 2 the due ZSET, 3 the fresh SET, 4 the version counter (one slot:
///       see ``ScheduleKeys``)
/// ARGV: none
///
/// Guarantees: every schedule is in the due index afterwards (one stored by the previous release,
/// or by an older gateway during an upgrade, is read at the next pass, keeping its last tick);
/// entries of schedules that are gone are removed; parked schedules are read once more and start
/// from their next tick, so one resumed by an older gateway does not fire a tick it skipped.
/// O(schedules), which FORGE_MAX_SCHEDULES bounds. Returns `{added, removed}`.
enum ReindexSchedulesScript {
    static let script = LuaScript(
        name: "reindex-schedules",
        source: #"""
            local added, removed = 0, 0
            for _, name in ipairs(redis.call('HKEYS', KEYS[1])) do
              if not redis.call('ZSCORE', KEYS[2], name) then
                redis.call('ZADD', KEYS[2], -redis.call('INCR', KEYS[4]), name)
                added = added + 1
              end
            end
            for _, name in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
              if redis.call('HEXISTS', KEYS[1], name) == 0 then
                removed = removed + redis.call('ZREM', KEYS[2], name)
                redis.call('SREM', KEYS[3], name)
              end
            end
            for _, name in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '+inf', '+inf')) do
              redis.call('ZADD', KEYS[2], -redis.call('INCR', KEYS[4]), name)
              redis.call('SADD', KEYS[3], name)
            end
            return {added, removed}
            """#
    )

    static func call(_ keys: ScheduleKeys) -> ScriptCall {
        ScriptCall(script, keys: [keys.records, keys.due, keys.fresh, keys.version], arguments: [])
    }
}
