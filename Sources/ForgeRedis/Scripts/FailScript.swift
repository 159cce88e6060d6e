import ForgeCore

/// Records a failed attempt: schedules a retry after the given delay, or moves the job to the
/// dead-letter set when it is out of attempts or the failure is not retryable.
///
/// KEYS: 1 leased, 2 retry, 3 dead, 4 events, 5 stats
/// ARGV: 1 key prefix, 2 id, 3 token, 4 error message, 5 retryable (`1`/`0`), 6 retry delay ms,
///       7 retention ms (TTL of a job canceled here)
///
/// The delay is a duration chosen by the caller (jittered backoff); the retry time is Redis
/// `TIME` plus that delay, and the queue's due-index entry is lowered to it. Guarantees: a stale token (or a job not `active`) changes nothing and
/// returns `{'stale'}`; a job whose cancellation was requested while it ran becomes `canceled`
/// (`{'canceled', at}`), never retried; otherwise `{'retrying', run_at}` or `{'dead', at}`, with a
/// `retried` or `died` event carrying the error for the job's `errors` history. A fail repeated
/// with the token that ended the job (its first reply was lost) returns the first outcome again,
/// marked as a repeat by a third element `1`.
enum FailScript {
    static let script = LuaScript(
        named: "fail",
        body: #"""
            local prefix, id = ARGV[1], ARGV[2]
            local jk = prefix .. 'job:' .. id
            local cur = redis.call('HMGET', jk, 'token', 'state', 'attempts', 'max_attempts', 'cancel', 'run_at', 'finished_at')
            if cur[1] ~= ARGV[3] then return {'stale', 0} end
            if cur[2] == 'retrying' then return {'retrying', tonumber(cur[6]), 1} end
            if cur[2] == 'dead' or cur[2] == 'canceled' then return {cur[2], tonumber(cur[7]) or 0, 1} end
            if cur[2] ~= 'active' then return {'stale', 0} end
            local now = now_ms()
            local attempts = tonumber(cur[3])
            redis.call('ZREM', KEYS[1], id)
            if cur[5] == '1' then
              redis.call('HSET', jk, 'state', 'canceled', 'last_error', ARGV[4], 'finished_at', now)
              emit(KEYS[4], jk, id, 'canceled', 'canceled', now, cur[3], nil, ARGV[4])
              redis.call('PEXPIRE', jk, ARGV[7])
              flush_events(KEYS[4])
              return {'canceled', now}
            end
            if ARGV[5] == '1' and attempts < tonumber(cur[4]) then
              local run_at = now + tonumber(ARGV[6])
              redis.call('HSET', jk, 'state', 'retrying', 'last_error', ARGV[4], 'run_at', run_at)
              redis.call('ZADD', KEYS[2], run_at, id)
              note_due(KEYS[2], run_at)
              emit(KEYS[4], jk, id, 'retried', 'retrying', now, cur[3], int(run_at), ARGV[4])
              redis.call('HINCRBY', KEYS[5], 'retried', 1)
              flush_events(KEYS[4])
              return {'retrying', run_at}
            end
            redis.call('HSET', jk, 'state', 'dead', 'last_error', ARGV[4], 'finished_at', now)
            redis.call('ZADD', KEYS[3], now, id)
            emit(KEYS[4], jk, id, 'died', 'dead', now, cur[3], nil, ARGV[4])
            redis.call('HINCRBY', KEYS[5], 'dead', 1)
            flush_events(KEYS[4])
            return {'dead', now}
            """#
    )

    static func call(
        _ keys: QueueKeys,
        id: JobID,
        token: LeaseToken,
        error: String,
        retryable: Bool,
        delayMs: Int64,
        retentionMs: Int64
    ) -> ScriptCall {
        ScriptCall(
            script,
            keys: [keys.leased, keys.retry, keys.dead, keys.events, keys.stats],
            arguments: [
                keys.prefix, id.rawValue, token.rawValue, error, retryable ? "1" : "0", String(delayMs), String(retentionMs),
            ]
        )
    }

    static func parse(_ reply: RedisValue) throws(RedisError) -> FailReply {
        let parts = try reply.expectArray("fail")
        guard parts.count == 2 || parts.count == 3, let word = parts[0].string, let at = parts[1].int else {
            throw RedisError.unexpectedReply("fail", reply)
        }
        let outcome: FailOutcome
        switch word {
        case "retrying": outcome = .retrying(atMs: at)
        case "dead": outcome = .dead
        case "canceled": outcome = .canceled
        case "stale": outcome = .stale
        default: throw RedisError.unexpectedReply("fail", reply)
        }
        return FailReply(outcome, repeated: parts.count == 3 && parts[2].int == 1)
    }
}
