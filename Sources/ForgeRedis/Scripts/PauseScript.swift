import ForgeCore

/// Pauses or resumes leasing from a queue.
///
/// KEYS: 1 paused, 2 wake
/// ARGV: 1 `pause` | `resume`, 2 key prefix (ready lists derive from it)
///
/// Guarantees: while paused the lease script hands out nothing (enqueue, promotion and reclaim go
/// on). Resuming wakes as many idle workers as there are ready jobs (up to the wake cap), so work
/// starts at once rather than at the workers' next idle timeout.
enum PauseScript {
    static let script = LuaScript(
        named: "pause",
        body: #"""
            if ARGV[1] == 'pause' then
              redis.call('SET', KEYS[1], '1')
              return 1
            end
            redis.call('DEL', KEYS[1])
            local ready = ready_count(ARGV[2])
            if ready > 0 then wake(KEYS[2], ready) end
            return 0
            """#
    )

    static func call(_ keys: QueueKeys, paused: Bool) -> ScriptCall {
        ScriptCall(script, keys: [keys.paused, keys.wake], arguments: [paused ? "pause" : "resume", keys.prefix])
    }
}
