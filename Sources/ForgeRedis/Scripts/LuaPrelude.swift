/// Lua helpers shared by every script; prepended to each script's body.
///
/// - `now_ms()`: the time from Redis `TIME`, never the caller's clock.
/// - `event(...)` / `emit(...)` / `flush_events(stream)`: a script buffers the transitions it makes
///   and appends them as few stream entries as possible (one per ~150 events) when it ends. One
///   XADD per transition cost more than the transition itself; an entry holding several events
///   repeats the field names, each event starting at its `j` (job id) field. `emit` also bumps the
///   job's `seq`; hot-path scripts that read `seq` with their HMGET pass it to `event` directly.
/// - `make_ready(...)`: puts one job on the ready ZSET with a score of
///   `(9 - priority) · 2^40 + position`, which orders strictly by priority, then FIFO; scores stay
///   below 2^53, so doubles hold them exactly. `ready_scores(...)` does the same for a batch.
/// - `wake(...)`: pushes up to `n` tokens (at most 64 in the list) for idle workers blocked on it.
/// - `lease_jobs(...)`: pops up to `count` ready jobs and leases them with fresh fencing tokens;
///   shared by the lease script and the ack-and-lease-next path.
enum LuaPrelude {
    static let source = #"""
        local function now_ms()
          local t = redis.call('TIME')
          return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        end

        -- Lua turns every number it passes to Redis into text with sprintf, which showed up as
        -- a tenth of Redis' CPU on the hot path: format each distinct value once.
        local function num(x) return string.format('%.0f', x) end
        local small = {}
        local function int(x)
          local s = small[x]
          if not s then
            s = num(x)
            small[x] = s
          end
          return s
        end

        local pending_events = {}
        local function flush_events(stream)
          if #pending_events > 0 then
            redis.call('XADD', stream, '*', unpack(pending_events))
            pending_events = {}
          end
        end
        local function event(stream, id, seq, kind, state, now, extra)
          local e = pending_events
          e[#e + 1] = 'j'; e[#e + 1] = id; e[#e + 1] = 's'; e[#e + 1] = seq
          e[#e + 1] = 'k'; e[#e + 1] = kind; e[#e + 1] = 'st'; e[#e + 1] = state; e[#e + 1] = 't'; e[#e + 1] = now
          for i = 1, #extra do e[#e + 1] = extra[i] end
          -- Lua's unpack is limited to a few thousand values: cut long buffers into several entries.
          if #e > 3000 then flush_events(stream) end
        end
        local function emit(stream, jk, id, kind, state, now, extra)
          event(stream, id, redis.call('HINCRBY', jk, 'seq', 1), kind, state, now, extra)
        end

        local function ready_score(priority, position)
          return num((9 - tonumber(priority)) * 1099511627776 + position)
        end
        local function make_ready(ready, readyseq, id, priority)
          redis.call('ZADD', ready, ready_score(priority, redis.call('INCR', readyseq)), id)
        end
        -- pairs = {priority1, id1, priority2, id2, ...}
        local function make_ready_batch(ready, readyseq, pairs)
          local count = #pairs / 2
          if count == 0 then return end
          local position = redis.call('INCRBY', readyseq, count) - count
          local args = {'ZADD', ready}
          for i = 1, #pairs, 2 do
            position = position + 1
            args[#args + 1] = ready_score(pairs[i], position)
            args[#args + 1] = pairs[i + 1]
          end
          redis.call(unpack(args))
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
          local n = #popped / 2
          if n == 0 then return out end
          local token = redis.call('INCRBY', leaseseq, n) - n
          local deadline = now + vis
          local now_s, deadline_s = int(now), int(deadline)
          local zadd = {'ZADD', leased}
          for i = 1, #popped, 2 do
            local id = popped[i]
            local jk = prefix .. 'job:' .. id
            local f = redis.call('HMGET', jk, 'type', 'payload', 'priority', 'max_attempts', 'timeout_ms',
              'backoff_base', 'backoff_cap', 'created_at', 'run_at', 'attempts', 'seq')
            if f[1] then
              token = token + 1
              local token_s = num(token)
              local attempts = int(tonumber(f[10]) + 1)
              local seq = int(tonumber(f[11]) + 1)
              redis.call('HSET', jk, 'state', 'active', 'token', token_s, 'started_at', now_s,
                'deadline', deadline_s, 'worker', worker, 'attempts', attempts, 'seq', seq)
              zadd[#zadd + 1] = deadline_s
              zadd[#zadd + 1] = id
              event(events, id, seq, 'started', 'active', now_s, {'a', attempts})
              out[#out + 1] = {id, token_s, tonumber(attempts), now, deadline,
                f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9]}
            end
          end
          if #zadd > 2 then redis.call(unpack(zadd)) end
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
