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
        body: #"""
            local prefix, count, budget = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
            -- Byte order, the order Redis gives members of equal score (Lua's < follows the locale).
            local function sorts_below(a, b)
              for i = 1, math.min(#a, #b) do
                local x, y = a:byte(i), b:byte(i)
                if x ~= y then return x < y end
              end
              return #a < #b
            end
            local start = 0
            if ARGV[4] ~= '' then
              local at, after = ARGV[4], ARGV[5]
              local rank = redis.call('ZREVRANK', KEYS[1], after)
              if rank and tonumber(redis.call('ZSCORE', KEYS[1], after)) == tonumber(at) then
                start = rank + 1
              else
                -- Gone: skip every later death, then the deaths at the same time with a higher id.
                start = redis.call('ZCOUNT', KEYS[1], '(' .. at, '+inf')
                local offset = 0
                while true do
                  local ties = redis.call('ZREVRANGEBYSCORE', KEYS[1], at, at, 'LIMIT', offset, 100)
                  local done = #ties < 100
                  for _, member in ipairs(ties) do
                    if not sorts_below(after, member) then done = true break end
                    start = start + 1
                  end
                  if done then break end
                  offset = offset + 100
                end
              end
            end
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
        var entries: [Entry] = []
        entries.reserveCapacity(parts.count / 3)
        for index in stride(from: 1, to: parts.count, by: 3) {
            // Scores come back as Redis formats doubles: whole milliseconds print as integers.
            guard let id = parts[index].string.flatMap({ try? JobID($0) }),
                let score = parts[index + 1].string.flatMap({ Int64($0) ?? Double($0).flatMap { Int64(exactly: $0.rounded()) } }),
                let bytes = parts[index + 2].int
            else {
                throw RedisError.unexpectedReply("dead-letter-page", reply)
            }
            entries.append(Entry(id: id, deathMs: score, bytes: Int(bytes)))
        }
        return (entries, more == 1)
    }
}
