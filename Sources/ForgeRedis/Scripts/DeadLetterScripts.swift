import ForgeCore

/// Puts a dead job back in line with a fresh set of attempts (a manual retry from the DLQ).
///
/// KEYS: 1 dead, 2 events, 3 wake (ready lists derive from the prefix)
/// ARGV: 1 key prefix, 2 id
///
/// Guarantees: only a job in the dead set moves; its attempts reset to 0 and any old cancel
/// request is forgotten (it was meant for the run that died), it becomes `pending` with a
/// `revived` event. Returns 1, or 0 when the job is not a dead letter of this queue.
enum ReviveScript {
    static let script = LuaScript(
        named: "revive",
        body: #"""
            local prefix, id = ARGV[1], ARGV[2]
            if redis.call('ZREM', KEYS[1], id) == 0 then return 0 end
            local jk = prefix .. 'job:' .. id
            local now = now_ms()
            push_ready(prefix, redis.call('HGET', jk, 'priority') or '5', {id})
            redis.call('HSET', jk, 'state', 'pending', 'attempts', '0')
            redis.call('HDEL', jk, 'finished_at', 'cancel')
            redis.call('PERSIST', jk)
            emit(KEYS[2], jk, id, 'revived', 'pending', now, '0')
            wake(KEYS[3], 1)
            flush_events(KEYS[2])
            return 1
            """#
    )

    static func call(_ keys: QueueKeys, id: JobID) -> ScriptCall {
        ScriptCall(
            script,
            keys: [keys.dead, keys.events, keys.wake],
            arguments: [keys.prefix, id.rawValue]
        )
    }
}

/// Deletes a dead letter from Redis; Postgres keeps its history.
///
/// KEYS: 1 dead, 2 events
/// ARGV: 1 key prefix, 2 id
///
/// Guarantees: only a job in the dead set is deleted, after a `removed` event so the archive
/// records who went where. Returns 1, or 0 when the job is not a dead letter of this queue.
enum RemoveDeadScript {
    static let script = LuaScript(
        named: "remove-dead",
        body: #"""
            local prefix, id = ARGV[1], ARGV[2]
            if redis.call('ZREM', KEYS[1], id) == 0 then return 0 end
            local jk = prefix .. 'job:' .. id
            emit(KEYS[2], jk, id, 'removed', 'dead', now_ms())
            redis.call('DEL', jk)
            flush_events(KEYS[2])
            return 1
            """#
    )

    static func call(_ keys: QueueKeys, id: JobID) -> ScriptCall {
        ScriptCall(script, keys: [keys.dead, keys.events], arguments: [keys.prefix, id.rawValue])
    }
}
