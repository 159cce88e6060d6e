import ForgeCore

/// Moves due jobs from `scheduled` and `retry` to ready.
///
/// KEYS: 1 scheduled, 2 retry, 3 events, 4 wake, 5 fence (ready lists derive from the prefix)
/// ARGV: 1 key prefix, 2 limit per set, 3 leader epoch (`''`: not fenced)
///
/// Guarantees: only jobs whose time (score) is at or before Redis `TIME` and that are still
/// `scheduled` or `retrying` move (anything else only leaves the set); each becomes
/// `pending` with a `promoted` event and wakes an idle worker. Sets the queue's entry in the due
/// index (``KeySpace/due``) to the earliest remaining scheduled, retry or lease-deadline time.
/// Returns `{moved, next_due_ms, next_due_in_ms}` with that time (or -1) and how long until it from
/// Redis' now (-1: none, or due already: an expired lease, the reclaimer's). Refuses with `FENCED`
/// when a newer scheduler leader has already acted on the queue.
enum PromoteScript {
    static let script = LuaScript(
        named: "promote",
        body: #"""
            fence(KEYS[5], ARGV[3], ARGV[1])
            local prefix, limit = ARGV[1], tonumber(ARGV[2])
            local now = now_ms()
            local moved = 0
            for k = 1, 2 do
              local ids = redis.call('ZRANGEBYSCORE', KEYS[k], '-inf', now, 'LIMIT', 0, limit)
              for _, id in ipairs(ids) do
                redis.call('ZREM', KEYS[k], id)
                local jk = prefix .. 'job:' .. id
                local f = redis.call('HMGET', jk, 'priority', 'state')
                local priority = f[1]
                if f[2] == 'scheduled' or f[2] == 'retrying' then
                  push_ready(prefix, priority, {id})
                  redis.call('HSET', jk, 'state', 'pending')
                  emit(KEYS[3], jk, id, 'promoted', 'pending', now)
                  moved = moved + 1
                end
              end
            end
            if moved > 0 then wake(KEYS[4], moved) end
            flush_events(KEYS[3])
            local next_due = settle_due(prefix)
            return {moved, next_due, next_due > now and next_due - now or -1}
            """#
    )

    static func call(_ keys: QueueKeys, limit: Int, epoch: Int64?) -> ScriptCall {
        ScriptCall(
            script,
            keys: [keys.scheduled, keys.retry, keys.events, keys.wake, keys.fence],
            arguments: [keys.prefix, String(limit), epoch.map(String.init) ?? ""]
        )
    }

    static func parse(_ reply: RedisValue) throws(RedisError) -> SweepOutcome {
        let parts = try reply.expectArray("promote")
        guard parts.count == 3, let moved = parts[0].int, let next = parts[1].int, let nextIn = parts[2].int else {
            throw RedisError.unexpectedReply("promote", reply)
        }
        return SweepOutcome(moved: Int(moved), died: 0, nextDueMs: next < 0 ? nil : next, nextDueIn: nextIn < 0 ? nil : .milliseconds(nextIn))
    }
}
