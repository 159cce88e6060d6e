import ForgeCore

/// Plans one page of a queue's dead letters: which jobs, in the dead set's order (latest death
/// first, ties by id descending, as Redis orders equal scores), up to a count and a byte budget.
/// It reads no job hash in full, only the lengths of the fields that grow (`HSTRLEN`), so the
/// caller then fetches exactly the planned jobs in small round trips (``QueueStore``'s
/// `deadLetterPage`), and no reply carries more than the budget. Read-only.
///
/// KEYS: 1 dead
/// ARGV: 1 key prefix, 2 count, 3 byte budget, 4 the cursor's death time in ms ('' for the first
/// page), 5 the cursor's job id
///
/// Guarantees: the page starts strictly after the cursor's `(death time, id)` position, even when
/// that job has left the dead set since (retried, deleted, trimmed): its position is found from
/// the jobs around it. It holds at most `count` jobs, and jobs only while their `spec`, `result`
/// and `last_error` lengths fit the budget, but always the first one, so paging progresses.
/// Returns `{more, id, death ms, bytes, id, death ms, bytes, …}`; `more` is 1 when jobs follow
/// the page.
package enum DeadLetterPageScript {
    static let script = LuaScript(
        named: "dead-letter-page",
        body: startAfter + #"""
            local prefix, count, budget = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
            local start = start_after(KEYS[1], ARGV[4], ARGV[5])
            local entries = redis.call('ZREVRANGE', KEYS[1], start, start + count, 'WITHSCORES')
            local page, used, more = {0}, 0, 0
            for i = 1, #entries, 2 do
              if #page > 3 * count then more = 1 break end
              local jk = prefix .. 'job:' .. entries[i]
              local bytes = redis.call('HSTRLEN', jk, 'spec') + redis.call('HSTRLEN', jk, 'result')
                + redis.call('HSTRLEN', jk, 'last_error')
              if #page > 1 and used + bytes > budget then more = 1 break end
              used = used + bytes
              page[#page + 1] = entries[i]
              page[#page + 1] = entries[i + 1]
              page[#page + 1] = bytes
            end
            page[1] = more
            return page
            """#
    )

    /// `start_after(dead, at, after)`: the rank (0 = latest death) of the first dead letter after
    /// the cursor position `(at, after)`, 0 when `at` is empty; shared with
    /// ``DeadLetterFilterScript``, whose pages continue from the same cursors.
    static let startAfter = #"""
        -- Byte order, the order Redis gives members of equal score (Lua's < follows the locale).
        local function sorts_below(a, b)
          for i = 1, math.min(#a, #b) do
            local x, y = a:byte(i), b:byte(i)
            if x ~= y then return x < y end
          end
          return #a < #b
        end
        local function start_after(dead, at, after)
          if at == '' then return 0 end
          local rank = redis.call('ZREVRANK', dead, after)
          if rank and tonumber(redis.call('ZSCORE', dead, after)) == tonumber(at) then return rank + 1 end
          -- Gone: skip every later death, then the deaths at the same time with a higher id.
          local start = redis.call('ZCOUNT', dead, '(' .. at, '+inf')
          local offset = 0
          while true do
            local ties = redis.call('ZREVRANGEBYSCORE', dead, at, at, 'LIMIT', offset, 100)
            local done = #ties < 100
            for _, member in ipairs(ties) do
              if not sorts_below(after, member) then done = true break end
              start = start + 1
            end
            if done then return start end
            offset = offset + 100
          end
        end

        """#

    /// One planned job: its position in the dead set and what its hash's large fields weigh.
    package struct Entry: Sendable, Hashable {
        package var id: JobID
        package var deathMs: Int64
        package var bytes: Int

        package init(id: JobID, deathMs: Int64, bytes: Int) {
            self.id = id
            self.deathMs = deathMs
            self.bytes = bytes
        }
    }

    static func call(_ keys: QueueKeys, after cursor: PageCursor?, limit: Int, maxBytes: Int) -> ScriptCall {
        ScriptCall(
            script,
            keys: [keys.dead],
            arguments: [
                keys.prefix, String(limit), String(maxBytes), cursor.map { String($0.position) } ?? "", cursor?.id.rawValue ?? "",
            ]
        )
    }

    static func parse(_ reply: RedisValue) throws(RedisError) -> (entries: [Entry], more: Bool) {
        guard let parts = reply.array, let more = parts.first?.int, parts.count % 3 == 1 else {
            throw RedisError.unexpectedReply("dead-letter-page", reply)
        }
        return (try entries(parts[1...], reply: reply, script: "dead-letter-page"), more == 1)
    }

    /// `id, death ms, bytes` triples of a script's reply.
    static func entries(_ parts: ArraySlice<RedisValue>, reply: RedisValue, script: String) throws(RedisError) -> [Entry] {
        var entries: [Entry] = []
        entries.reserveCapacity(parts.count / 3)
        for index in stride(from: parts.startIndex, to: parts.endIndex, by: 3) {
            guard let id = parts[index].string.flatMap({ try? JobID($0) }),
                let score = parts[index + 1].string.flatMap(milliseconds),
                let bytes = parts[index + 2].int
            else {
                throw RedisError.unexpectedReply(script, reply)
            }
            entries.append(Entry(id: id, deathMs: score, bytes: Int(bytes)))
        }
        return entries
    }

    /// A death time as Redis formats a score: whole milliseconds print as integers, but a double
    /// it is.
    static func milliseconds(_ score: String) -> Int64? {
        Int64(score) ?? Double(score).flatMap { Int64(exactly: $0.rounded()) }
    }
}
