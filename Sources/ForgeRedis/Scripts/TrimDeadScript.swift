import ForgeCore

/// Keeps a queue's dead-letter set within its cap and age (Sidekiq's 10 000 and six months by
/// default): the oldest dead letters and their job hashes leave Redis; Postgres keeps their
/// history.
///
/// KEYS: 1 dead, 2 events, 3 fence
/// ARGV: 1 key prefix, 2 cap (0: none), 3 max age ms (0: none), 4 limit per call, 5 leader epoch
///       (`''`: not fenced)
///
/// Guarantees: dead letters older than the max age go first, then the oldest beyond the cap; each
/// gets a `removed` event (so history records why it left) before its hash is deleted. At most
/// `limit` per call. Returns `{removed, more}` where `more` is 1 when the limit cut it short.
/// Refuses with `FENCED` when a newer scheduler leader has already acted on the queue.
enum TrimDeadScript {
    static let script = LuaScript(
        named: "trim-dead",
        body: #"""
            fence(KEYS[3], ARGV[5], ARGV[1])
            local prefix, cap, max_age, limit = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
            local now = now_ms()
            local doomed = {}
            if max_age > 0 then
              doomed = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. num(now - max_age), 'LIMIT', 0, limit)
            end
            if cap > 0 and #doomed < limit then
              local over = redis.call('ZCARD', KEYS[1]) - #doomed - cap
              if over > 0 then
                local take = math.min(over, limit - #doomed)
                local oldest = redis.call('ZRANGE', KEYS[1], #doomed, #doomed + take - 1)
                for i = 1, #oldest do doomed[#doomed + 1] = oldest[i] end
              end
            end
            for _, id in ipairs(doomed) do
              local jk = prefix .. 'job:' .. id
              if redis.call('EXISTS', jk) == 1 then emit(KEYS[2], jk, id, 'removed', 'dead', now) end
              redis.call('DEL', jk)
            end
            if #doomed > 0 then chunked({'ZREM', KEYS[1]}, doomed) end
            flush_events(KEYS[2])
            local more = 0
            if #doomed >= limit then more = 1 end
            return {#doomed, more}
            """#
    )

    static func call(_ keys: QueueKeys, cap: Int, maxAgeMs: Int64, limit: Int, epoch: Int64?) -> ScriptCall {
        ScriptCall(
            script,
            keys: [keys.dead, keys.events, keys.fence],
            arguments: [keys.prefix, String(cap), String(maxAgeMs), String(limit), epoch.map(String.init) ?? ""]
        )
    }
}
