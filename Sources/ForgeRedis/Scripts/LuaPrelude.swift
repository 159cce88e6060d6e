/// Lua helpers shared by every script; prepended to each script's body.
///
/// - `now_ms()`: the time from Redis `TIME`, never the caller's clock.
/// - `emit(...)`: bumps the job's event `seq` and appends the transition to the queue's stream.
/// - `make_ready(...)`: puts a job on the ready ZSET with a score of
///   `(9 - priority) · 2^40 + position`, which orders strictly by priority, then FIFO; scores stay
///   below 2^53, so doubles hold them exactly.
/// - `wake(...)`: pushes up to `n` tokens (at most 64 in the list) for idle workers blocked on it.
/// - `lease_jobs(...)`: pops up to `count` ready jobs and leases them with fresh fencing tokens;
///   shared by the lease script and the ack-and-lease-next path.
enum LuaPrelude {
    static let source = #"""
        local function now_ms()
          local t = redis.call('TIME')
          return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        end

        local function emit(stream, jk, id, kind, state, now, extra)
          local seq = redis.call('HINCRBY', jk, 'seq', 1)
          local args = {'XADD', stream, '*', 'j', id, 's', seq, 'k', kind, 'st', state, 't', now}
          for i = 1, #extra do args[#args + 1] = extra[i] end
          redis.call(unpack(args))
        end

        local function make_ready(ready, readyseq, id, priority)
          local position = redis.call('INCR', readyseq)
          local score = (9 - tonumber(priority)) * 1099511627776 + position
          redis.call('ZADD', ready, string.format('%.0f', score), id)
        end

        local function wake(key, n)
          local room = 64 - redis.call('LLEN', key)
          if n < room then room = n end
          if room <= 0 then return end
          local args = {'RPUSH', key}
          for i = 1, room do args[#args + 1] = '1' end
          redis.call(unpack(args))
        end

        local function lease_jobs(prefix, ready, leased, paused, events, leaseseq, count, vis, worker, now)
          local out = {}
          if count <= 0 or redis.call('EXISTS', paused) == 1 then return out end
          local popped = redis.call('ZPOPMIN', ready, count)
          for i = 1, #popped, 2 do
            local id = popped[i]
            local jk = prefix .. 'job:' .. id
            local f = redis.call('HMGET', jk, 'type', 'payload', 'priority', 'max_attempts', 'timeout_ms',
              'backoff_base', 'backoff_cap', 'created_at', 'run_at')
            if f[1] then
              local token = redis.call('INCR', leaseseq)
              local deadline = now + vis
              local attempts = redis.call('HINCRBY', jk, 'attempts', 1)
              redis.call('HSET', jk, 'state', 'active', 'token', token, 'started_at', now,
                'deadline', deadline, 'worker', worker)
              redis.call('ZADD', leased, deadline, id)
              emit(events, jk, id, 'started', 'active', now, {'a', attempts})
              out[#out + 1] = {id, tostring(token), attempts, now, deadline,
                f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9]}
            end
          end
          return out
        end

        """#
}

extension LuaScript {
    /// A script whose body can use the prelude's helpers.
    init(named name: String, body: String) {
        self.init(name: name, source: LuaPrelude.source + body)
    }
}
