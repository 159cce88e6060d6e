import Synchronization

/// Lua helpers shared by every script; prepended to each script's body.
///
/// Measured on the target machine, a script's cost is dominated by how many values cross from
/// Lua into Redis commands (each is converted and stored separately) and by Lua's sprintf-based
/// number→string conversion. The hot path is shaped around that: immutable job fields travel as
/// one packed `spec` string built by the client, each event is one packed string, all events of
/// a call go out in one XADD field, and numbers are formatted once per call.
///
/// - `now_ms()`: the time from Redis `TIME`, never the caller's clock.
/// - `INDEXED`: whether the scripts keep the two indexes below. They live outside the queue's slot,
///   so on a Redis Cluster the scripts run without them (``LuaScript/withoutIndexes``) and the
///   leader visits every queue instead.
/// - `note_due(key, at)` / `settle_due(prefix)`: keep the namespace's due index (``KeySpace/due``)
///   no later than the queue's first scheduled, retry or lease-deadline score: a script that adds
///   one lowers the queue's entry (`ZADD LT`), the promote and reclaim scripts set it exactly.
///   `flush_events` adds the queue to ``KeySpace/unarchived``. The leader's duties read these
///   instead of visiting every queue on a timer.
/// - `event(...)` / `emit(...)` / `flush_events(stream)`: a script buffers its transitions and
///   appends them as one stream entry `e = event \30 event \30 …` when it ends (or every 500
///   events or 1 MiB); an event is
///   `id \31 seq \31 kind \31 state \31 at \31 attempts \31 run_at \31 error \31 result \31
///   priority \31 max_attempts \31 spec` (absent values empty). `emit` also bumps the job's `seq`.
/// - `fence(key, epoch, prefix)`: refuses (`FENCED`) a scheduler duty whose leader epoch is older
///   than the newest one that acted on the queue, and records a newer one (for a registered queue).
/// - `chunked(head, items)`: one command with a long argument list, sent in chunks (Lua's
///   `unpack` stops at about 8 000 values, and a command failing mid-script half-applies it).
/// - `add_ready(...)` gathers ids by priority; `push_ready(...)` appends job ids to the ready LIST
///   of their priority (one per 0–9); leasing reads the lists from 9 down, so priority is strict
///   and each list is FIFO.
/// - `wake(...)`: pushes up to `n` tokens (at most 64 in the list) for idle workers blocked on it.
/// - `lease_jobs(...)`: pops up to `count` ready jobs and leases them under one fresh fencing
///   token (a per-queue counter, unique per lease call, so unique per job lease); shared by the
///   lease script and the ack-and-lease-next path. Given a request id, it remembers what it
///   leased (for the lease's visibility, at most a minute) and a repeated call with the same id
///   returns those jobs again instead of leasing more: retrying after a lost reply is safe.
///
/// Tokens stay in the job hash after a job leaves `active`; every script that acts on a lease
/// checks the state as well as the token, and a repeated ack or fail with the token that
/// finished the job answers as the first one did without changing anything.
enum LuaPrelude {
    static let source = #"""
        local INDEXED = true
        local US, RS = '\31', '\30'

        local function now_ms()
          local t = redis.call('TIME')
          return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        end

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

        -- The namespace's indexes of queues the leader must visit (see KeySpace): a queue's keys
        -- are `<ns>:{<queue>}:…`, so both names follow from any of them.
        local function indexes(key)
          local ns, queue = string.match(key, '^(.-):{(.+)}:')
          return ns .. ':due', ns .. ':unarchived', queue
        end
        -- Due no later than `at`: a job to promote or a lease deadline at that time.
        local function note_due(key, at)
          if not INDEXED then return end
          local due, _, queue = indexes(key)
          redis.call('ZADD', due, 'LT', at, queue)
        end
        -- The exact due time after a promote or reclaim: the first score of scheduled, retry and
        -- leased, or no entry when all three are empty. Returns it (-1: none).
        local function settle_due(prefix)
          local next_due = -1
          for _, set in ipairs({'scheduled', 'retry', 'leased'}) do
            local first = redis.call('ZRANGE', prefix .. set, 0, 0, 'WITHSCORES')
            if first[2] then
              local at = tonumber(first[2])
              if next_due < 0 or at < next_due then next_due = at end
            end
          end
          if not INDEXED then return next_due end
          local due, _, queue = indexes(prefix)
          if next_due < 0 then redis.call('ZREM', due, queue) else redis.call('ZADD', due, next_due, queue) end
          return next_due
        end

        local pending_events = {}
        local pending_bytes = 0
        local function flush_events(stream)
          if #pending_events > 0 then
            redis.call('XADD', stream, '*', 'e', table.concat(pending_events, RS))
            pending_events = {}
            pending_bytes = 0
            if INDEXED then
              local _, unarchived, queue = indexes(stream)
              redis.call('SADD', unarchived, queue)
            end
          end
        end
        -- An entry holds at most 500 events or about 1 MiB, so the archiver can bound a pass by bytes.
        local function event(stream, id, seq, kind, state, now, attempts, run_at, err, result, priority, max_attempts, spec)
          local record = id .. US .. seq .. US .. kind .. US .. state .. US .. now .. US ..
            (attempts or '') .. US .. (run_at or '') .. US .. (err or '') .. US .. (result or '') .. US ..
            (priority or '') .. US .. (max_attempts or '') .. US .. (spec or '')
          pending_events[#pending_events + 1] = record
          pending_bytes = pending_bytes + #record
          if #pending_events >= 500 or pending_bytes >= 1048576 then flush_events(stream) end
        end
        local function emit(stream, jk, id, kind, state, now, attempts, run_at, err)
          event(stream, id, int(redis.call('HINCRBY', jk, 'seq', 1)), kind, state, int(now), attempts, run_at, err)
        end

        -- Scheduler duties pass the leader's fencing epoch; the queue keeps the highest one that
        -- acted on it, and a duty of an older leader (one that lost the lock without noticing yet)
        -- is refused before it changes anything. Only a registered queue keeps it: a duty that
        -- reaches a queue deleted meanwhile must not bring one of its keys back.
        local function fence(key, epoch, prefix)
          if epoch == '' then return end
          local seen = tonumber(redis.call('GET', key) or '0')
          local mine = tonumber(epoch)
          if mine < seen then
            error({err = 'FENCED leader epoch ' .. epoch .. ' is older than ' .. seen})
          end
          if mine > seen and redis.call('EXISTS', prefix .. 'registered') == 1 then redis.call('SET', key, epoch) end
        end

        -- Lua's unpack refuses more than about 8 000 values, and a command that fails half-way
        -- through a script leaves the writes before it in place: long argument lists go out in
        -- chunks of 1 000 (even, so ZADD score/member pairs stay whole).
        local function chunked(head, items)
          local n = #items
          local i = 1
          while i <= n do
            local args = {}
            for k = 1, #head do args[k] = head[k] end
            local last = math.min(n, i + 999)
            for k = i, last do args[#args + 1] = items[k] end
            redis.call(unpack(args))
            i = last + 1
          end
        end

        -- Gathers ids by priority (`ready[priority]`, in order) for one push_ready per list.
        local function add_ready(ready, priority, id)
          local list = ready[priority]
          if not list then
            list = {}
            ready[priority] = list
          end
          list[#list + 1] = id
        end
        local function push_ready(prefix, priority, ids)
          if #ids > 0 then chunked({'RPUSH', prefix .. 'ready:' .. priority}, ids) end
        end
        local function ready_count(prefix)
          local n = 0
          for p = 0, 9 do n = n + redis.call('LLEN', prefix .. 'ready:' .. p) end
          return n
        end

        local function wake(key, n)
          local room = 64 - redis.call('LLEN', key)
          if n < room then room = n end
          if room <= 0 then return end
          local args = {'RPUSH', key}
          for i = 1, room do args[#args + 1] = '1' end
          redis.call(unpack(args))
        end

        local lease_fields = {'spec', 'priority', 'max_attempts', 'created_at', 'run_at', 'attempts', 'seq', 'state',
          'cancel', 'token'}

        -- A lease call whose reply was lost (client timeout) is repeated with the same request id:
        -- it gets the jobs the first call leased, as long as they are still active under its token,
        -- instead of leasing more while the first ones wait out their visibility timeout.
        local function replay_lease(prefix, record)
          local parts = {}
          for part in string.gmatch(record, '[^,]+') do parts[#parts + 1] = part end
          local token = parts[1]
          local out = {token, parts[2], parts[3]}
          for i = 4, #parts do
            local id = parts[i]
            local f = redis.call('HMGET', prefix .. 'job:' .. id, unpack(lease_fields))
            if f[10] == token and f[8] == 'active' then
              out[#out + 1] = id
              out[#out + 1] = f[6]
              out[#out + 1] = f[1]
              out[#out + 1] = f[2]
              out[#out + 1] = f[3]
              out[#out + 1] = f[4]
              out[#out + 1] = f[5]
            end
          end
          return out
        end

        -- Returns a flat array: token, leased_at, deadline, then per job
        -- id, attempts, spec, priority, max_attempts, created_at, run_at.
        -- Only `pending` jobs are leased: an id whose job finished or vanished meanwhile is
        -- dropped, and a job whose cancellation is pending is canceled here instead of run.
        local function lease_jobs(prefix, leased, paused, events, leaseseq, count, vis, worker, now, rid, retention)
          local rk = nil
          if rid ~= '' then
            rk = prefix .. 'req:' .. rid
            local prior = redis.call('GET', rk)
            if prior then return replay_lease(prefix, prior) end
          end
          if count <= 0 or redis.call('EXISTS', paused) == 1 then return {} end
          -- LMPOP (Redis 7) pops from the first non-empty list of 9 … 0 in one command; the
          -- loop only goes on when a batch spans priorities. Ten LPOPs per call were most of
          -- a small lease's cost.
          local pop = {'LMPOP', '10'}
          for p = 9, 0, -1 do pop[#pop + 1] = prefix .. 'ready:' .. p end
          pop[#pop + 1] = 'LEFT'
          pop[#pop + 1] = 'COUNT'
          local want = #pop + 1
          local token = nil
          local now_s, deadline_s = int(now), int(now + vis)
          local out = {}
          local zadd = {}
          local taken = {}
          while #taken < count do
            pop[want] = count - #taken
            local got = redis.call(unpack(pop))
            if not got then break end
            local list = got[2]
            for i = 1, #list do
              local id = list[i]
              local jk = prefix .. 'job:' .. id
              local f = redis.call('HMGET', jk, unpack(lease_fields))
              if f[8] == 'pending' and f[9] == '1' then
                redis.call('HSET', jk, 'state', 'canceled', 'finished_at', now_s)
                emit(events, jk, id, 'canceled', 'canceled', now)
                redis.call('PEXPIRE', jk, retention)
              elseif f[8] == 'pending' then
                if not token then
                  token = int(redis.call('INCR', leaseseq))
                  out = {token, now_s, deadline_s}
                end
                local attempts = int(tonumber(f[6]) + 1)
                local seq = int(tonumber(f[7]) + 1)
                -- The deadline lives only in `leased` (its score): keeping a copy in the hash cost
                -- every lease and heartbeat a field write that nothing read.
                redis.call('HSET', jk, 'state', 'active', 'token', token, 'started_at', now_s,
                  'attempts', attempts, 'seq', seq, 'worker', worker)
                zadd[#zadd + 1] = deadline_s
                zadd[#zadd + 1] = id
                taken[#taken + 1] = id
                event(events, id, seq, 'started', 'active', now_s, attempts)
                out[#out + 1] = id
                out[#out + 1] = attempts
                out[#out + 1] = f[1]
                out[#out + 1] = f[2]
                out[#out + 1] = f[3]
                out[#out + 1] = f[4]
                out[#out + 1] = f[5]
              end
            end
          end
          if #zadd > 0 then
            chunked({'ZADD', leased}, zadd)
            note_due(leased, deadline_s)
          end
          if rk and token then
            local ttl = vis
            if ttl > 60000 then ttl = 60000 end
            redis.call('SET', rk, token .. ',' .. now_s .. ',' .. deadline_s .. ',' .. table.concat(taken, ','), 'PX', int(ttl))
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

    /// The script as it runs on a Redis Cluster: without the namespace's `due` and `unarchived`
    /// indexes, which live in slots of their own and so may be on another node than the queue (a
    /// script may only touch keys of its own slot). A script without the prelude is unchanged.
    var withoutIndexes: LuaScript {
        if let known = Self.unindexed.withLock({ $0[name] }) { return known }
        guard source.hasPrefix(LuaPrelude.indexedMarker) else { return self }
        let variant = LuaScript(name: name + "/cluster", source: LuaPrelude.unindexedMarker + source.dropFirst(LuaPrelude.indexedMarker.count))
        Self.unindexed.withLock { $0[name] = variant }
        return variant
    }

    private static let unindexed = Mutex<[String: LuaScript]>([:])
}

extension LuaPrelude {
    static let indexedMarker = "local INDEXED = true\n"
    static let unindexedMarker = "local INDEXED = false\n"
}
