import ForgeCore

/// Completes a batch of leased jobs and, in the same call, may lease the next ones.
///
/// KEYS: 1 leased, 2 events, 3 stats, then the lease keys: 4 leased, 5 paused, 6 events, 7 lease:seq
/// ARGV: 1 key prefix, 2 retention ms (TTL of a completed job's hash until history has it), 3 ack count n, then n
///       triples `id, token, result` (`result` is JSON text or `''`), then lease count, visibility
///       ms, worker id, request id of the lease part (`''`: none)
///
/// Guarantees: an ack counts only if its token is the job's current one and the job is `active`
/// (fencing); a stale ack changes nothing. Acked jobs leave `leased`, become `completed` with a
/// `completed` event and expire after the retention TTL (shortened once archived, see
/// ``ArchivedScript``); when the last lease of the queue ends, its due-index entry is settled (see
/// ``PromoteScript``). An ack repeated with the token that
/// completed the job (its first reply was lost) changes nothing and answers 2: done, but not by
/// this call (so callers count each completion once). Returns `{acks, leased}` where `acks` holds
/// 1 (done), 2 (done before) or 0 (stale) per item and `leased` is as the lease script's. One round trip per batch at steady state: River's batched completions,
/// BullMQ's fetch-next. Callers send at most ``maxAcksPerCall`` acks per call.
package enum AckScript {
    /// Bounds the argument list and the time Redis spends in one call; bigger flushes become
    /// several calls in one pipeline.
    static let maxAcksPerCall = 500

    static let script = LuaScript(
        named: "ack",
        body: #"""
            local prefix = ARGV[1]
            local retention = ARGV[2]
            local n = tonumber(ARGV[3])
            local now = now_ms()
            local now_s = int(now)
            local acks = {}
            local done = {}
            for i = 0, n - 1 do
              local id, token, result = ARGV[4 + i * 3], ARGV[5 + i * 3], ARGV[6 + i * 3]
              local jk = prefix .. 'job:' .. id
              local cur = redis.call('HMGET', jk, 'token', 'seq', 'state')
              if cur[1] == token and cur[3] == 'active' then
                local seq = int(tonumber(cur[2]) + 1)
                if result == '' then
                  redis.call('HSET', jk, 'state', 'completed', 'finished_at', now_s, 'seq', seq)
                else
                  redis.call('HSET', jk, 'state', 'completed', 'finished_at', now_s, 'seq', seq, 'result', result)
                end
                redis.call('PEXPIRE', jk, retention)
                done[#done + 1] = id
                event(KEYS[2], id, seq, 'completed', 'completed', now_s, nil, nil, nil, result)
                acks[#acks + 1] = 1
              elseif cur[1] == token and cur[3] == 'completed' then
                acks[#acks + 1] = 2
              else
                acks[#acks + 1] = 0
              end
            end
            if #done > 0 then
              chunked({'ZREM', KEYS[1]}, done)
              redis.call('HINCRBY', KEYS[3], 'completed', #done)
            end
            local b = 4 + n * 3
            local leased = lease_jobs(prefix, KEYS[4], KEYS[5], KEYS[6], KEYS[7],
              tonumber(ARGV[b]), tonumber(ARGV[b + 1]), ARGV[b + 2], now, ARGV[b + 3], retention)
            -- The last lease of a quiet queue ended: settle its due entry now (one ZCARD on a busy
            -- queue) rather than have the leader visit it at that lease's deadline for nothing.
            if #done > 0 and redis.call('ZCARD', KEYS[1]) == 0 then settle_due(prefix) end
            flush_events(KEYS[2])
            return {acks, leased}
            """#
    )

    package static func call(
        _ keys: QueueKeys,
        acks: ArraySlice<Completion>,
        retentionMs: Int64,
        leaseNext: Int,
        visibilityMs: Int64,
        worker: String,
        requestID: String
    ) -> ScriptCall {
        var arguments = [keys.prefix, String(retentionMs), String(acks.count)]
        arguments.reserveCapacity(7 + acks.count * 3)
        for ack in acks { arguments += [ack.id.rawValue, ack.token.rawValue, ack.result ?? ""] }
        arguments += [String(leaseNext), String(visibilityMs), worker, requestID]
        return ScriptCall(
            script,
            keys: [keys.leased, keys.events, keys.stats] + LeaseScript.leaseKeys(keys),
            arguments: arguments
        )
    }

    static func parse(_ reply: RedisValue, queue: QueueName) throws(RedisError) -> AckOutcome {
        let parts = try reply.expectArray("ack")
        guard parts.count == 2, let acks = parts[0].array else { throw RedisError.unexpectedReply("ack", reply) }
        return AckOutcome(
            completed: acks.map { $0.int == 1 || $0.int == 2 },
            repeated: acks.map { $0.int == 2 },
            leased: try LeaseScript.parseJobs(parts[1], queue: queue)
        )
    }
}
