import ForgeCore

/// Heartbeat: extends the leases of a batch of jobs, and carries out pending cancellations.
///
/// KEYS: 1 leased, 2 events
/// ARGV: 1 key prefix, 2 visibility ms, 3 retention ms, 4 count n, then n pairs `id, token`
///
/// Guarantees: a stale token extends nothing (0); a job whose cancellation was requested while it
/// ran becomes `canceled` here (-1), which tells the worker to stop the handler; otherwise the new
/// deadline `now + visibility` is returned. Deadlines come from Redis `TIME`.
enum ExtendScript {
    static let script = LuaScript(
        named: "extend",
        body: #"""
            local prefix = ARGV[1]
            local vis, retention = tonumber(ARGV[2]), ARGV[3]
            local n = tonumber(ARGV[4])
            local now = now_ms()
            local out = {}
            for i = 0, n - 1 do
              local id, token = ARGV[5 + i * 2], ARGV[6 + i * 2]
              local jk = prefix .. 'job:' .. id
              local cur = redis.call('HMGET', jk, 'token', 'state', 'cancel')
              if cur[1] ~= token or cur[2] ~= 'active' then
                out[#out + 1] = 0
              elseif cur[3] == '1' then
                redis.call('ZREM', KEYS[1], id)
                redis.call('HSET', jk, 'state', 'canceled', 'finished_at', now)
                redis.call('HDEL', jk, 'token')
                emit(KEYS[2], jk, id, 'canceled', 'canceled', now)
                redis.call('PEXPIRE', jk, retention)
                out[#out + 1] = -1
              else
                local deadline = now + vis
                redis.call('ZADD', KEYS[1], 'XX', deadline, id)
                out[#out + 1] = deadline
              end
            end
            flush_events(KEYS[2])
            return out
            """#
    )

    static func call(_ keys: QueueKeys, leases: [LeaseRef], visibilityMs: Int64, retentionMs: Int64) -> ScriptCall {
        var arguments = [keys.prefix, String(visibilityMs), String(retentionMs), String(leases.count)]
        for lease in leases { arguments += [lease.id.rawValue, lease.token.rawValue] }
        return ScriptCall(script, keys: [keys.leased, keys.events], arguments: arguments)
    }

    static func parse(_ reply: RedisValue) throws(RedisError) -> [ExtendOutcome] {
        try reply.expectArray("extend").map { (item: RedisValue) throws(RedisError) -> ExtendOutcome in
            guard let value = item.int else { throw RedisError.unexpectedReply("extend item", item) }
            switch value {
            case 0: return .stale
            case -1: return .canceled
            default: return .extended(deadlineMs: value)
            }
        }
    }
}
