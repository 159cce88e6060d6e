import ForgeCore

/// Puts dead jobs back in line with a fresh set of attempts (a manual retry from the DLQ).
///
/// KEYS: 1 dead, 2 events, 3 wake (ready lists derive from the prefix)
/// ARGV: 1 key prefix, 2… ids (a bulk retry sends a couple of hundred per call, so no call holds
/// Redis for long)
///
/// Guarantees: only jobs in the dead set move; each one's attempts reset to 0 and any old cancel
/// request is forgotten (it was meant for the run that died), it becomes `pending` with a
/// `revived` event. Returns how many moved (0 when none of the ids is a dead letter of this queue).
enum ReviveScript {
    static let script = LuaScript(
        named: "revive",
        body: #"""
            local prefix = ARGV[1]
            local ready, revived, now = {}, 0, nil
            for i = 2, #ARGV do
              local id = ARGV[i]
              if redis.call('ZREM', KEYS[1], id) == 1 then
                local jk = prefix .. 'job:' .. id
                now = now or now_ms()
                add_ready(ready, redis.call('HGET', jk, 'priority') or '5', id)
                redis.call('HSET', jk, 'state', 'pending', 'attempts', '0')
                redis.call('HDEL', jk, 'finished_at', 'cancel')
                redis.call('PERSIST', jk)
                emit(KEYS[2], jk, id, 'revived', 'pending', now, '0')
                revived = revived + 1
              end
            end
            for priority, ids in pairs(ready) do push_ready(prefix, priority, ids) end
            wake(KEYS[3], revived)
            flush_events(KEYS[2])
            return revived
            """#
    )

    static func call(_ keys: QueueKeys, ids: [JobID]) -> ScriptCall {
        ScriptCall(
            script,
            keys: [keys.dead, keys.events, keys.wake],
            arguments: [keys.prefix] + ids.map(\.rawValue)
        )
    }
}

/// Deletes dead letters from Redis; Postgres keeps their history.
///
/// KEYS: 1 dead, 2 events
/// ARGV: 1 key prefix, 2… ids
///
/// Guarantees: only jobs in the dead set are deleted, each after a `removed` event so the archive
/// records who went where. Returns how many went (0 when none of the ids is a dead letter of this
/// queue).
enum RemoveDeadScript {
    static let script = LuaScript(
        named: "remove-dead",
        body: #"""
            local prefix = ARGV[1]
            local removed, now = 0, nil
            for i = 2, #ARGV do
              local id = ARGV[i]
              if redis.call('ZREM', KEYS[1], id) == 1 then
                local jk = prefix .. 'job:' .. id
                now = now or now_ms()
                emit(KEYS[2], jk, id, 'removed', 'dead', now)
                redis.call('DEL', jk)
                removed = removed + 1
              end
            end
            flush_events(KEYS[2])
            return removed
            """#
    )

    static func call(_ keys: QueueKeys, ids: [JobID]) -> ScriptCall {
        ScriptCall(script, keys: [keys.dead, keys.events], arguments: [keys.prefix] + ids.map(\.rawValue))
    }
}
