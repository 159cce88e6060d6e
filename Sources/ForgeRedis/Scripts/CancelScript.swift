import ForgeCore

/// Cancels a job that has not finished.
///
/// KEYS: 1 scheduled, 2 retry, 3 events (ready lists derive from the prefix)
/// ARGV: 1 key prefix, 2 id, 3 retention ms
///
/// Guarantees: a waiting job (pending, scheduled, retrying) leaves its set and becomes `canceled`
/// at once, with a `canceled` event. An active job is only marked: its worker's next heartbeat
/// (the extend script) cancels it, so a running handler is told to stop rather than silently
/// orphaned. Returns `{'canceled'}`, `{'cancel_requested'}`, `{'terminal', state}` or `{'missing'}`.
enum CancelScript {
    static let script = LuaScript(
        named: "cancel",
        body: #"""
            local prefix, id = ARGV[1], ARGV[2]
            local jk = prefix .. 'job:' .. id
            local cur = redis.call('HMGET', jk, 'state', 'priority')
            local state = cur[1]
            if not state then return {'missing', ''} end
            -- LREM is O(n) in the ready list; cancels are rare next to leases, which stay O(1).
            if state == 'pending' then redis.call('LREM', prefix .. 'ready:' .. cur[2], 1, id)
            elseif state == 'scheduled' then redis.call('ZREM', KEYS[1], id)
            elseif state == 'retrying' then redis.call('ZREM', KEYS[2], id)
            elseif state == 'active' then
              redis.call('HSET', jk, 'cancel', '1')
              return {'cancel_requested', state}
            else
              return {'terminal', state}
            end
            local now = now_ms()
            redis.call('HSET', jk, 'state', 'canceled', 'finished_at', now)
            emit(KEYS[3], jk, id, 'canceled', 'canceled', now)
            redis.call('PEXPIRE', jk, ARGV[3])
            flush_events(KEYS[3])
            return {'canceled', state}
            """#
    )

    static func call(_ keys: QueueKeys, id: JobID, retentionMs: Int64) -> ScriptCall {
        ScriptCall(
            script,
            keys: [keys.scheduled, keys.retry, keys.events],
            arguments: [keys.prefix, id.rawValue, String(retentionMs)]
        )
    }

    static func parse(_ reply: RedisValue) throws(RedisError) -> CancelOutcome {
        let parts = try reply.expectArray("cancel")
        guard parts.count == 2, let word = parts[0].string else { throw RedisError.unexpectedReply("cancel", reply) }
        switch word {
        case "canceled": return .canceled
        case "cancel_requested": return .cancelRequested
        case "missing": return .notFound
        case "terminal": return .alreadyFinished(JobState(rawValue: parts[1].string ?? "") ?? .completed)
        default: throw RedisError.unexpectedReply("cancel", reply)
        }
    }
}
