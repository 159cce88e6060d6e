import ForgeCore

/// Enqueues a batch of jobs into one queue atomically.
///
/// KEYS: 1 ready, 2 ready:seq, 3 scheduled, 4 events, 5 wake, 6 stats
/// ARGV: 1 key prefix, 2 job count, then 12 values per job:
///   id, type, payload, priority, start kind (`now` | `at` | `after`), start ms, max_attempts,
///   timeout_ms, backoff base ms, backoff cap ms, unique key (`''` for none), unique window ms
///
/// Guarantees: a job with a unique key whose key is still held returns the holder's id and state
/// instead of being created (also within one batch); otherwise the job hash, its place in ready or
/// scheduled, and its `enqueued` event are written together. Returns `{id, state, created}` per job.
enum EnqueueScript {
    static let fieldsPerJob = 12
    /// Jobs per script call; a bigger batch becomes several calls in one pipeline. Bounds the
    /// argument lists Lua unpacks (ZADD of a whole batch) and the time Redis spends in one call.
    static let maxJobsPerCall = 500

    static let script = LuaScript(named: "enqueue", body: #"""
        local prefix = ARGV[1]
        local n = tonumber(ARGV[2])
        local now = now_ms()
        local now_s = int(now)
        local out = {}
        local ready = {}
        local scheduled = {'ZADD', KEYS[3]}
        local created = 0
        for i = 0, n - 1 do
          local b = 2 + i * 12
          local id, ukey = ARGV[b + 1], ARGV[b + 11]
          local holder = nil
          if ukey ~= '' then
            local uk = prefix .. 'unique:' .. ukey
            if not redis.call('SET', uk, id, 'NX', 'PX', ARGV[b + 12]) then
              holder = redis.call('GET', uk)
            end
          end
          if holder then
            local st = redis.call('HGET', prefix .. 'job:' .. holder, 'state')
            out[#out + 1] = {holder, st or '', 0}
          else
            local kind, start = ARGV[b + 5], tonumber(ARGV[b + 6])
            local run_at = now
            if kind == 'at' then run_at = start elseif kind == 'after' then run_at = now + start end
            local state = 'pending'
            if run_at > now then state = 'scheduled'; run_at = int(run_at) else run_at = now_s end
            redis.call('HSET', prefix .. 'job:' .. id, 'id', id, 'type', ARGV[b + 2], 'payload', ARGV[b + 3],
              'priority', ARGV[b + 4], 'state', state, 'attempts', '0', 'max_attempts', ARGV[b + 7],
              'timeout_ms', ARGV[b + 8], 'backoff_base', ARGV[b + 9], 'backoff_cap', ARGV[b + 10],
              'created_at', now_s, 'run_at', run_at, 'unique_key', ukey, 'seq', '1')
            if state == 'pending' then
              ready[#ready + 1] = ARGV[b + 4]
              ready[#ready + 1] = id
            else
              scheduled[#scheduled + 1] = run_at
              scheduled[#scheduled + 1] = id
            end
            event(KEYS[4], id, '1', 'enqueued', state, now_s, {'ty', ARGV[b + 2], 'p', ARGV[b + 3],
              'pr', ARGV[b + 4], 'ma', ARGV[b + 7], 'ra', run_at, 'u', ukey})
            created = created + 1
            out[#out + 1] = {id, state, 1}
          end
        end
        make_ready_batch(KEYS[1], KEYS[2], ready)
        if #scheduled > 2 then redis.call(unpack(scheduled)) end
        if #ready > 0 then wake(KEYS[5], #ready / 2) end
        if created > 0 then redis.call('HINCRBY', KEYS[6], 'enqueued', created) end
        flush_events(KEYS[4])
        return out
        """#)

    static func call(_ keys: QueueKeys, jobs: [NewJob]) -> ScriptCall {
        var arguments = [keys.prefix, String(jobs.count)]
        arguments.reserveCapacity(2 + jobs.count * 12)
        for job in jobs {
            let (kind, startMs): (String, Int64) =
                switch job.start {
                case .now: ("now", 0)
                case .at(let ms): ("at", ms)
                case .after(let ms): ("after", ms)
                }
            arguments += [
                job.id.rawValue, job.type.rawValue, job.payload, String(job.priority), kind, String(startMs),
                String(job.maxAttempts), String(job.timeoutMs), String(job.backoff.baseMs),
                String(job.backoff.capMs), job.uniqueness?.key ?? "", String(job.uniqueness?.forMs ?? 0),
            ]
        }
        return ScriptCall(
            script,
            keys: [keys.ready, keys.readySeq, keys.scheduled, keys.events, keys.wake, keys.stats],
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
