import ForgeCore

/// Records a failed attempt: schedules a retry after the given delay, or moves the job to the
/// dead-letter set when it is out of attempts or the failure is not retryable.
///
/// KEYS: 1 leased, 2 retry, 3 dead, 4 events, 5 stats
/// ARGV: 1 key prefix, 2 id, 3 token, 4 error message, 5 retryable (`1`/`0`), 6 retry delay ms
///
/// The delay is a duration chosen by the caller (jittered backoff); the retry time is Redis
/// `TIME` plus that delay. Guarantees: a stale token changes nothing and returns `{'stale'}`;
/// otherwise `{'retrying', run_at}` or `{'dead', at}`, with a `retried` or `died` event carrying
/// the error for the job's `errors` history.
enum FailScript {
    static let script = LuaScript(named: "fail", body: #"""
        local prefix, id = ARGV[1], ARGV[2]
        local jk = prefix .. 'job:' .. id
        local cur = redis.call('HMGET', jk, 'token', 'state', 'attempts', 'max_attempts')
        if cur[1] ~= ARGV[3] or cur[2] ~= 'active' then return {'stale', 0} end
        local now = now_ms()
        local attempts = tonumber(cur[3])
        redis.call('ZREM', KEYS[1], id)
        redis.call('HDEL', jk, 'token')
        if ARGV[5] == '1' and attempts < tonumber(cur[4]) then
          local run_at = now + tonumber(ARGV[6])
          redis.call('HSET', jk, 'state', 'retrying', 'last_error', ARGV[4], 'run_at', run_at)
          redis.call('ZADD', KEYS[2], run_at, id)
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
        """#)

    static func call(
        _ keys: QueueKeys, id: JobID, token: LeaseToken, error: String, retryable: Bool, delayMs: Int64
    ) -> ScriptCall {
        ScriptCall(
            script,
            keys: [keys.leased, keys.retry, keys.dead, keys.events, keys.stats],
            arguments: [keys.prefix, id.rawValue, token.rawValue, error, retryable ? "1" : "0", String(delayMs)]
        )
    }

    static func parse(_ reply: RedisValue) throws(RedisError) -> FailOutcome {
        let parts = try reply.expectArray("fail")
        guard parts.count == 2, let word = parts[0].string, let at = parts[1].int else {
            throw RedisError.unexpectedReply("fail", reply)
        }
        switch word {
        case "retrying": return .retrying(atMs: at)
        case "dead": return .dead
        case "stale": return .stale
        default: throw RedisError.unexpectedReply("fail", reply)
        }
    }
}
