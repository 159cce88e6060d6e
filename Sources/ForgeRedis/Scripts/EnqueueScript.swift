import ForgeCore

/// Enqueues a batch of jobs into one queue atomically.
///
/// KEYS: 1 scheduled, 2 events, 3 wake, 4 stats, 5 backpressure, 6 registered
/// ARGV: 1 key prefix, 2 job count, then 9 values per job: id, spec (see ``JobSpec``), priority,
///   max_attempts, start kind (`now` | `at` | `after`), start ms, unique key (`''` for none),
///   unique window ms, Idempotency-Key window ms (`0` for none)
///
/// Guarantees: a job with a unique key whose key is still held returns the holder's id and state
/// instead of being created (also within one batch); a job whose id already exists (the same
/// call repeated after a lost reply) returns that job, so retrying an enqueue never duplicates;
/// otherwise the job hash, its place in its priority's ready list (or in scheduled, lowering the
/// queue's due-index entry to its time) and its `enqueued` event are written together.
/// A job sent under an `Idempotency-Key` (window > 0) also leaves `idem:<id>` for the window,
/// holding the state it was created in (or `@<holder>` when a unique key matched): the gateway
/// repeats such a request with the same ids, and the marker keeps a job that already finished
/// and left Redis from being created a second time, and lets the repeat answer as the first
/// request was answered (that state, that holder).
/// Returns `{id, state, created}` per job. While the queue's `backpressure` flag is set (its
/// unarchived history is over the limit) nothing is written and the reply is the error
/// `BACKPRESSURE …`; while the queue is not in the registry (its `registered` marker is missing:
/// a new or deleted queue) nothing is written and the reply is `UNREGISTERED …`, so no job lands
/// in a queue the scheduler and `*` workers cannot see.
package enum EnqueueScript {
    static let fieldsPerJob = 9
    /// Jobs per script call; a bigger batch becomes several calls in one pipeline. Bounds the
    /// argument lists Lua unpacks and the time Redis spends in one call.
    static let maxJobsPerCall = 500

    static let script = LuaScript(
        named: "enqueue",
        body: #"""
            if redis.call('EXISTS', KEYS[5]) == 1 then
              return redis.error_reply('BACKPRESSURE unarchived history of this queue is over its limit')
            end
            if redis.call('EXISTS', KEYS[6]) == 0 then
              return redis.error_reply('UNREGISTERED queue is not in the registry')
            end
            local prefix = ARGV[1]
            local n = tonumber(ARGV[2])
            local now = now_ms()
            local now_s = int(now)
            local out = {}
            local ready = {}
            local scheduled = {'ZADD', KEYS[1]}
            local created, ready_total, first_run = 0, 0, nil
            for i = 0, n - 1 do
              local b = 2 + i * 9
              local id, spec, priority, max_attempts = ARGV[b + 1], ARGV[b + 2], ARGV[b + 3], ARGV[b + 4]
              local ukey, iwin = ARGV[b + 7], ARGV[b + 9]
              local holder, answered = nil, nil
              local first = false
              if iwin ~= '0' then first = redis.call('GET', prefix .. 'idem:' .. id) end
              if first and string.sub(first, 1, 1) == '@' then
                -- The first request under this Idempotency-Key met a unique key's holder: the same
                -- answer again, even after the unique key expired.
                holder = string.sub(first, 2)
              elseif first or redis.call('EXISTS', prefix .. 'job:' .. id) == 1 then
                -- The same job sent again (a retry after a lost reply, or an Idempotency-Key repeat,
                -- perhaps after the job finished and left): never a second copy. A repeat answers
                -- with the state the first answer had.
                holder = id
                if first and first ~= '1' then answered = first end
              elseif ukey ~= '' then
                local uk = prefix .. 'unique:' .. ukey
                if not redis.call('SET', uk, id, 'NX', 'PX', ARGV[b + 8]) then
                  holder = redis.call('GET', uk)
                  if iwin ~= '0' then redis.call('SET', prefix .. 'idem:' .. id, '@' .. holder, 'PX', iwin) end
                end
              end
              if holder then
                local st = answered or redis.call('HGET', prefix .. 'job:' .. holder, 'state')
                out[#out + 1] = {holder, st or '', 0}
              else
                local kind = ARGV[b + 5]
                local state, run_at = 'pending', now_s
                if kind ~= 'now' then
                  local at = tonumber(ARGV[b + 6])
                  if kind == 'after' then at = now + at end
                  if at > now then
                    state = 'scheduled'
                    run_at = num(at)
                  end
                end
                redis.call('HSET', prefix .. 'job:' .. id, 'spec', spec, 'priority', priority,
                  'max_attempts', max_attempts, 'state', state, 'attempts', '0', 'created_at', now_s,
                  'run_at', run_at, 'seq', '1')
                if state == 'pending' then
                  add_ready(ready, priority, id)
                  ready_total = ready_total + 1
                else
                  scheduled[#scheduled + 1] = run_at
                  scheduled[#scheduled + 1] = id
                  local at = tonumber(run_at)
                  if not first_run or at < first_run then first_run = at end
                end
                if iwin ~= '0' then redis.call('SET', prefix .. 'idem:' .. id, state, 'PX', iwin) end
                event(KEYS[2], id, '1', 'enqueued', state, now_s, '0', run_at, nil, nil, priority, max_attempts, spec)
                created = created + 1
                out[#out + 1] = {id, state, 1}
              end
            end
            for priority, ids in pairs(ready) do push_ready(prefix, priority, ids) end
            if #scheduled > 2 then
              redis.call(unpack(scheduled))
              note_due(KEYS[1], num(first_run))
            end
            if ready_total > 0 then wake(KEYS[3], ready_total) end
            if created > 0 then redis.call('HINCRBY', KEYS[4], 'enqueued', created) end
            flush_events(KEYS[2])
            return out
            """#
    )

    /// - Parameter idempotencyWindowMs: how long the `idem:<id>` markers live; `nil`: none.
    package static func call(_ keys: QueueKeys, jobs: [NewJob], idempotencyWindowMs: Int64? = nil) -> ScriptCall {
        let window = String(idempotencyWindowMs ?? 0)
        var arguments = [keys.prefix, String(jobs.count)]
        arguments.reserveCapacity(2 + jobs.count * fieldsPerJob)
        for job in jobs {
            let (kind, startMs): (String, Int64) =
                switch job.start {
                case .now: ("now", 0)
                case .at(let ms): ("at", ms)
                case .after(let ms): ("after", ms)
                }
            arguments += [
                job.id.rawValue, JobSpec(job).packed, String(job.priority), String(job.maxAttempts), kind,
                String(startMs), job.uniqueness?.key ?? "", String(job.uniqueness?.forMs ?? 0), window,
            ]
        }
        return ScriptCall(
            script,
            keys: [keys.scheduled, keys.events, keys.wake, keys.stats, keys.backpressure, keys.registered],
            arguments: arguments
        )
    }

    static func parse(_ reply: RedisValue, queue: QueueName) throws(RedisError) -> [EnqueueResult] {
        var results: [EnqueueResult] = []
        for item in try reply.expectArray("enqueue") {
            guard let fields = item.array, fields.count == 3, let id = fields[0].string,
                let jobID = try? JobID(id), let created = fields[2].int
            else { throw RedisError.unexpectedReply("enqueue item", item) }
            results.append(
                EnqueueResult(id: jobID, queue: queue, state: JobState(rawValue: fields[1].string ?? ""), created: created == 1)
            )
        }
        return results
    }
}
