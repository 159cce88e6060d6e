import ForgeCore

/// Takes back leases whose deadline has passed: the worker crashed, hung or lost its network.
///
/// KEYS: 1 leased, 2 dead, 3 events, 4 wake, 5 stats, 6 fence (ready lists derive from the prefix)
/// ARGV: 1 key prefix, 2 limit, 3 retention ms, 4 leader epoch (`''`: not fenced)
///
/// Guarantees: only leases past their deadline by Redis `TIME` are taken. The old token is
/// deleted, so the previous owner can no longer ack, fail or extend (fencing). The expired
/// attempt counts: a job with attempts left goes back to ready with a `lease_expired` event and a
/// `lease expired` error; one without goes to the dead set. A job whose cancellation was pending
/// becomes `canceled`. Refuses with `FENCED` when a newer scheduler leader has already acted on
/// the queue. An id whose job is no longer `active` (finished meanwhile, or a leftover
/// of a half-applied call) only leaves `leased`; a job it requeues loses any expiry, so it cannot
/// vanish before it runs. Sets the queue's entry in the due index (``KeySpace/due``) to the
/// earliest remaining scheduled, retry or lease-deadline time, and returns `{requeued, died,
/// next_due_ms}` with it (-1 when nothing waits).
enum ReclaimScript {
    static let script = LuaScript(
        named: "reclaim",
        body: #"""
            fence(KEYS[6], ARGV[4], ARGV[1])
            local prefix, limit, retention = ARGV[1], tonumber(ARGV[2]), ARGV[3]
            local now = now_ms()
            local requeued, died = 0, 0
            local err = 'lease expired'
            local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, limit)
            for _, id in ipairs(ids) do
              redis.call('ZREM', KEYS[1], id)
              local jk = prefix .. 'job:' .. id
              local f = redis.call('HMGET', jk, 'attempts', 'max_attempts', 'priority', 'cancel', 'state')
              if f[5] == 'active' then
                redis.call('HDEL', jk, 'token')
                local attempts = tonumber(f[1])
                if f[4] == '1' then
                  redis.call('HSET', jk, 'state', 'canceled', 'finished_at', now)
                  emit(KEYS[3], jk, id, 'canceled', 'canceled', now)
                  redis.call('PEXPIRE', jk, retention)
                elseif attempts >= tonumber(f[2]) then
                  redis.call('PERSIST', jk)
                  redis.call('HSET', jk, 'state', 'dead', 'last_error', err, 'finished_at', now)
                  redis.call('ZADD', KEYS[2], now, id)
                  emit(KEYS[3], jk, id, 'died', 'dead', now, f[1], nil, err)
                  redis.call('HINCRBY', KEYS[5], 'dead', 1)
                  died = died + 1
                else
                  push_ready(prefix, f[3], {id})
                  redis.call('PERSIST', jk)
                  redis.call('HSET', jk, 'state', 'pending', 'last_error', err)
                  emit(KEYS[3], jk, id, 'lease_expired', 'pending', now, f[1], nil, err)
                  requeued = requeued + 1
                end
              end
            end
            if requeued > 0 then wake(KEYS[4], requeued) end
            if requeued + died > 0 then redis.call('HINCRBY', KEYS[5], 'expired', requeued + died) end
            flush_events(KEYS[3])
            return {requeued, died, settle_due(prefix)}
            """#
    )

    static func call(_ keys: QueueKeys, limit: Int, retentionMs: Int64, epoch: Int64?) -> ScriptCall {
        ScriptCall(
            script,
            keys: [keys.leased, keys.dead, keys.events, keys.wake, keys.stats, keys.fence],
            arguments: [keys.prefix, String(limit), String(retentionMs), epoch.map(String.init) ?? ""]
        )
    }

    static func parse(_ reply: RedisValue) throws(RedisError) -> SweepOutcome {
        let parts = try reply.expectArray("reclaim")
        guard parts.count == 3, let requeued = parts[0].int, let died = parts[1].int, let next = parts[2].int else {
            throw RedisError.unexpectedReply("reclaim", reply)
        }
        return SweepOutcome(moved: Int(requeued), died: Int(died), nextDueMs: next < 0 ? nil : next)
    }
}
