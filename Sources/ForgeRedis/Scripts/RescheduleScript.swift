/// Moves schedules in the due index after the leader has read them: to the time it must read
/// them again, to `+inf` (not until a PUT changes the schedule), or out (the schedule is gone);
/// a moved schedule is no longer fresh (it has started).
///
/// KEYS: 1 the due ZSET, 2 the fresh SET (one slot: see ``ScheduleKeys``)
/// ARGV: triples of name, the due score the leader read (as Redis wrote it) and the new score (a
///       number or `+inf`; empty: remove the entry)
///
/// Guarantees: an entry moves only while it still holds the score the leader read, so a PUT or
/// DELETE that came in meanwhile wins (its entry stands, and the leader reads the schedule again).
/// Returns how many entries moved.
enum RescheduleScript {
    static let script = LuaScript(
        name: "reschedule",
        source: #"""
            local moved = 0
            for i = 1, #ARGV, 3 do
              if redis.call('ZSCORE', KEYS[1], ARGV[i]) == ARGV[i + 1] then
                if ARGV[i + 2] == '' then
                  redis.call('ZREM', KEYS[1], ARGV[i])
                else
                  redis.call('ZADD', KEYS[1], ARGV[i + 2], ARGV[i])
                end
                redis.call('SREM', KEYS[2], ARGV[i])
                moved = moved + 1
              end
            end
            return moved
            """#
    )

    static func call(_ keys: ScheduleKeys, _ updates: [DueSchedule.Update]) -> ScriptCall {
        ScriptCall(script, keys: [keys.due, keys.fresh], arguments: updates.flatMap { [$0.name, $0.seenScore, $0.next.score] })
    }
}
