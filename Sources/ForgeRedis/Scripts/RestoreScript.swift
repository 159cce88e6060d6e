import ForgeCore

/// Puts jobs that a Redis lost back into their queue, from what history keeps of them
/// (`forge recover`, and the scheduler leader when it finds Redis empty).
///
/// KEYS: 1 scheduled, 2 dead, 3 events, 4 wake
/// ARGV: 1 key prefix, 2 job count, 3 the error a lost lease records, then 9 values per job: id, spec (see ``JobSpec``), priority,
///   max_attempts, state, attempts, created_at ms, run_at ms (`''`: none), seq
///
/// Guarantees: a job whose hash exists is left alone (counted as present), so recovery never
/// duplicates a job Redis still has, and may run any number of times. A `pending` job goes to
/// the end of its priority's ready list (callers send a queue's jobs oldest first, so the lists
/// keep their order); a `scheduled` or `retrying` one to the scheduled set at its run time. An
/// `active` job lost its lease with the Redis that held it: like a lease that expired, the
/// attempt counts, and it is pending again (or dead when that was its last attempt), with a
/// `lease_expired` (or `died`) event. The hash keeps history's `seq`, so the archiver applies
/// the job's next events on top of its row. Returns `{restored, present}`.
enum RestoreScript {
    static let fieldsPerJob = 9
    static let maxJobsPerCall = 500
    static let lostLease = "lease lost with the Redis that held it"

    static let script = LuaScript(
        named: "restore",
        body: #"""
            local prefix, n = ARGV[1], tonumber(ARGV[2])
            local now = now_ms()
            local restored, present, ready_total, first_run = 0, 0, 0, nil
            local ready = {}
            for i = 0, n - 1 do
              local b = 3 + i * 9
              local id, spec, priority, max_attempts = ARGV[b + 1], ARGV[b + 2], ARGV[b + 3], ARGV[b + 4]
              local state, attempts, created_at, run_at, seq = ARGV[b + 5], ARGV[b + 6], ARGV[b + 7], ARGV[b + 8], ARGV[b + 9]
              local jk = prefix .. 'job:' .. id
              if redis.call('EXISTS', jk) == 1 then
                present = present + 1
              else
                local lost = state == 'active'
                if lost then
                  state = tonumber(attempts) >= tonumber(max_attempts) and 'dead' or 'pending'
                end
                -- A pending job's run_at is when it became runnable (its wait starts there).
                if run_at == '' then run_at = state == 'pending' and created_at or int(now) end
                redis.call('HSET', jk, 'spec', spec, 'priority', priority, 'max_attempts', max_attempts,
                  'state', state, 'attempts', attempts, 'created_at', created_at, 'run_at', run_at, 'seq', seq)
                if state == 'pending' then
                  add_ready(ready, priority, id)
                  ready_total = ready_total + 1
                elseif state == 'dead' then
                  redis.call('ZADD', KEYS[2], now, id)
                else
                  redis.call('ZADD', KEYS[1], run_at, id)
                  local at = tonumber(run_at)
                  if not first_run or at < first_run then first_run = at end
                end
                if lost then
                  local err = ARGV[3]
                  redis.call('HSET', jk, 'last_error', err)
                  if state == 'dead' then
                    redis.call('HSET', jk, 'finished_at', now)
                    emit(KEYS[3], jk, id, 'died', 'dead', now, attempts, nil, err)
                  else
                    emit(KEYS[3], jk, id, 'lease_expired', 'pending', now, attempts, nil, err)
                  end
                end
                restored = restored + 1
              end
            end
            for priority, ids in pairs(ready) do push_ready(prefix, priority, ids) end
            if first_run then note_due(KEYS[1], num(first_run)) end
            if ready_total > 0 then wake(KEYS[4], ready_total) end
            flush_events(KEYS[3])
            return {restored, present}
            """#
    )

    static func call(_ keys: QueueKeys, jobs: ArraySlice<RestoredJob>) -> ScriptCall {
        var arguments = [keys.prefix, String(jobs.count), lostLease]
        arguments.reserveCapacity(3 + jobs.count * fieldsPerJob)
        for job in jobs {
            arguments += [
                job.id.rawValue, job.spec.packed, String(job.priority), String(job.maxAttempts), job.state.rawValue,
                String(job.attempts), String(job.createdAtMs), job.runAtMs.map(String.init) ?? "", String(job.seq),
            ]
        }
        return ScriptCall(script, keys: [keys.scheduled, keys.dead, keys.events, keys.wake], arguments: arguments)
    }
}
