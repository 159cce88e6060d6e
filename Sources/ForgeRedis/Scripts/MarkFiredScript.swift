/// Records, per schedule, the last tick the leader enqueued (or the time a new schedule starts
/// from).
///
/// KEYS: 1 the fired HASH (``ScheduleKeys/fired``)
/// ARGV: pairs of name and tick (Unix ms)
///
/// Guarantees: a recorded tick never moves backwards, so a late write from a replica that has
/// lost the leader lock cannot make an enqueued tick due again. Returns 1.
enum MarkFiredScript {
    static let script = LuaScript(
        name: "mark-fired",
        source: #"""
            for i = 1, #ARGV, 2 do
              local current = tonumber(redis.call('HGET', KEYS[1], ARGV[i]) or '0')
              if tonumber(ARGV[i + 1]) > current then redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
            end
            return 1
            """#
    )

    static func call(_ keys: ScheduleKeys, ticks: [(name: String, tickMs: Int64)]) -> ScriptCall {
        ScriptCall(script, keys: [keys.fired], arguments: ticks.flatMap { [$0.name, String($0.tickMs)] })
    }
}
