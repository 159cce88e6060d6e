import ForgeCore

/// The queues whose entry in the due index (``KeySpace/due``) has come, by Redis `TIME`.
///
/// KEYS: 1 due index
/// ARGV: 1 limit
///
/// Read-only. Returns the milliseconds until the first entry after now (-1: none), then up to
/// `limit` queue names, earliest first: the queues a promote or reclaim may find work in now.
/// Redis' clock, not the caller's, decides, as it does in the scripts that wrote the scores.
enum DueQueuesScript {
    static let script = LuaScript(
        named: "due-queues",
        body: #"""
            local now = now_ms()
            local out = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
            local after = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. num(now), '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
            local wait = -1
            if after[2] then wait = tonumber(after[2]) - now end
            table.insert(out, 1, wait)
            return out
            """#
    )

    static func call(_ keys: KeySpace, limit: Int) -> ScriptCall {
        ScriptCall(script, keys: [keys.due], arguments: [String(limit)])
    }
}
