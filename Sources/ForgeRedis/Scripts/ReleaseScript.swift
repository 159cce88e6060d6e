import ForgeCore

/// Hands unfinished leases back at once, e.g. when a worker drains on SIGTERM and its grace
/// period runs out, so other workers need not wait for the visibility timeout.
///
/// KEYS: 1 leased, 2 events, 3 wake (ready lists derive from the prefix)
/// ARGV: 1 key prefix, 2 retention ms, 3 count n, then n pairs `id, token`
///
/// Guarantees: only leases whose token is still current move (fencing). The attempt is given
/// back (the job did not fail; its worker stopped), the job becomes `pending` at its priority with
/// a `released` event, and idle workers are woken. A job whose cancellation was pending becomes
/// `canceled` instead. Returns the number of jobs released.
enum ReleaseScript {
    static let script = LuaScript(
        named: "release",
        body: #"""
            local prefix, retention, n = ARGV[1], ARGV[2], tonumber(ARGV[3])
            local now = now_ms()
            local released = 0
            for i = 0, n - 1 do
              local id, token = ARGV[4 + i * 2], ARGV[5 + i * 2]
              local jk = prefix .. 'job:' .. id
              local cur = redis.call('HMGET', jk, 'token', 'state', 'priority', 'cancel')
              if cur[1] == token and cur[2] == 'active' then
                redis.call('ZREM', KEYS[1], id)
                redis.call('HDEL', jk, 'token')
                if cur[4] == '1' then
                  redis.call('HSET', jk, 'state', 'canceled', 'finished_at', now)
                  emit(KEYS[2], jk, id, 'canceled', 'canceled', now)
                  redis.call('PEXPIRE', jk, retention)
                else
                  local attempts = redis.call('HINCRBY', jk, 'attempts', -1)
                  redis.call('HSET', jk, 'state', 'pending')
                  push_ready(prefix, cur[3], {id})
                  emit(KEYS[2], jk, id, 'released', 'pending', now, int(attempts))
                  released = released + 1
                end
              end
            end
            if released > 0 then wake(KEYS[3], released) end
            flush_events(KEYS[2])
            return released
            """#
    )

    static func call(_ keys: QueueKeys, leases: [LeaseRef], retentionMs: Int64) -> ScriptCall {
        var arguments = [keys.prefix, String(retentionMs), String(leases.count)]
        for lease in leases { arguments += [lease.id.rawValue, lease.token.rawValue] }
        return ScriptCall(
            script,
            keys: [keys.leased, keys.events, keys.wake],
            arguments: arguments
        )
    }
}
