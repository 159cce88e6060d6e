import ForgeCore

/// Adds queue names to the registry, up to a limit on the number of queues.
///
/// KEYS: 1 the registry SET (``KeySpace/queues``)
/// ARGV: 1 the most queues the registry may hold (`0`: no limit), then the names
///
/// Guarantees: a name already registered is always accepted (it counts already); a new name is
/// added only while the registry holds fewer than the limit. Returns `1` (registered) or `0`
/// (refused: the limit is reached) per name, in order. The caller then sets each accepted
/// queue's `registered` marker (another slot, so another call), which lets enqueues in.
enum RegisterQueuesScript {
    static let script = LuaScript(
        name: "register-queues",
        source: #"""
            local limit = tonumber(ARGV[1])
            local out = {}
            for i = 2, #ARGV do
              if redis.call('SISMEMBER', KEYS[1], ARGV[i]) == 1 then
                out[#out + 1] = 1
              elseif limit > 0 and redis.call('SCARD', KEYS[1]) >= limit then
                out[#out + 1] = 0
              else
                redis.call('SADD', KEYS[1], ARGV[i])
                out[#out + 1] = 1
              end
            end
            return out
            """#
    )

    static func call(_ keys: KeySpace, _ queues: [QueueName], limit: Int?) -> ScriptCall {
        ScriptCall(script, keys: [keys.queues], arguments: [String(limit ?? 0)] + queues.map(\.rawValue))
    }
}
