import ForgeCore

/// The queues whose entry in the due index (``KeySpace/due``) has come, by Redis `TIME`.
///
/// KEYS: 1 due index
/// ARGV: 1 limit
///
/// Read-only. Returns up to `limit` queue names, earliest first: the queues a promote or reclaim
/// may find work in now. Redis' clock, not the caller's, decides, as it does in the scripts that
/// wrote the scores.
enum DueQueuesScript {
    static let script = LuaScript(
        named: "due-queues",
        body: #"""
            return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now_ms(), 'LIMIT', 0, tonumber(ARGV[1]))
            """#
    )

    static func call(_ keys: KeySpace, limit: Int) -> ScriptCall {
        ScriptCall(script, keys: [keys.due], arguments: [String(limit)])
    }
}
