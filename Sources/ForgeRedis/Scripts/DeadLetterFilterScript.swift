import ForgeCore

/// Walks a queue's dead letters in the dead set's order (latest death first, ties by id
/// descending) after a cursor and picks those of one job type and/or whose last error contains
/// a text (``DeadLetterMatch``): for a filtered page, a count, or the ids a bulk action takes.
/// Read-only.
///
/// KEYS: 1 dead
/// ARGV: 1 key prefix, 2 most matches to return, 3 byte budget of the matches, 4 most entries to
/// examine, 5 about the most bytes of `spec` and `last_error` to read, 6 the cursor's death time
/// in ms ('' to start at the latest death), 7 the cursor's job id, 8 job type ('' for any), 9 error
/// text with A–Z folded to a–z ('' for any), 10 `list` to return the matches, `count` to count
/// them only
///
/// Guarantees: the walk starts strictly after the cursor's position, like
/// ``DeadLetterPageScript``'s, and ends at the end of the set, before a match that would exceed
/// the count or the budget (the first match always fits), or before an entry past either scan
/// bound (but it examines at least one). A filter reads each job's `spec` (for the type, which
/// leads it) and `last_error`, payload included, so the bounds keep one call short however large
/// the dead set or its jobs; the caller continues from the returned position. Returns `{stop,
/// examined, matched, last ms, last id, id, death ms, bytes, …}`: `stop` is 0 when the set ended
/// (no position), 1 when more matches follow, 2 when a scan bound stopped the walk (more may
/// follow); the position is the last entry examined; each listed match carries the lengths of its
/// `spec`, `result` and `last_error`.
package enum DeadLetterFilterScript {
    static let script = LuaScript(
        named: "dead-letter-filter",
        body: DeadLetterPageScript.startAfter + #"""
            local prefix, count, budget = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
            local max_examined, max_read = tonumber(ARGV[4]), tonumber(ARGV[5])
            local type_head, needle, listing = ARGV[8], ARGV[9], ARGV[10] == 'list'
            if type_head ~= '' then type_head = type_head .. US end
            local read = 0
            local function wanted(jk)
              if type_head ~= '' then
                local spec = redis.call('HGET', jk, 'spec')
                if not spec then return false end
                read = read + #spec
                if string.sub(spec, 1, #type_head) ~= type_head then return false end
              end
              if needle ~= '' then
                local err = redis.call('HGET', jk, 'last_error')
                if not err then return false end
                read = read + #err
                if not string.find(string.lower(err), needle, 1, true) then return false end
              end
              return true
            end
            local position = start_after(KEYS[1], ARGV[6], ARGV[7])
            local out = {0, 0, 0, '', ''}
            local stop, examined, matched, used = 0, 0, 0, 0
            while stop == 0 do
              local entries = redis.call('ZREVRANGE', KEYS[1], position, position + 499, 'WITHSCORES')
              if #entries == 0 then break end
              for i = 1, #entries, 2 do
                if examined >= max_examined or read >= max_read then stop = 2 break end
                local id, ms = entries[i], entries[i + 1]
                local jk = prefix .. 'job:' .. id
                if wanted(jk) then
                  if matched == count then stop = 1 break end
                  if listing then
                    local bytes = redis.call('HSTRLEN', jk, 'spec') + redis.call('HSTRLEN', jk, 'result')
                      + redis.call('HSTRLEN', jk, 'last_error')
                    if matched > 0 and used + bytes > budget then stop = 1 break end
                    used = used + bytes
                    out[#out + 1] = id
                    out[#out + 1] = ms
                    out[#out + 1] = bytes
                  end
                  matched = matched + 1
                end
                examined = examined + 1
                out[4], out[5] = ms, id
              end
              position = position + #entries / 2
              if #entries < 1000 then break end
            end
            out[1], out[2], out[3] = stop, examined, matched
            if stop == 0 then out[4], out[5] = '', '' end
            return out
            """#
    )

    /// What one walk found.
    package struct Reply: Sendable, Hashable {
        /// The matches, when listed, in the set's order.
        package var entries: [DeadLetterPageScript.Entry]
        package var examined: Int
        package var matched: Int
        /// Where the next walk starts; `nil` when the set ended.
        package var resume: PageCursor?
        /// More matches follow `resume` for certain (the count or the budget ended the walk, not a
        /// scan bound).
        package var moreMatch: Bool
    }

    /// The bounds of one walk.
    package struct Bounds: Sendable, Hashable {
        package var matches: Int
        package var bytes: Int
        package var examined: Int
        package var read: Int

        package init(matches: Int, bytes: Int, examined: Int, read: Int) {
            self.matches = matches
            self.bytes = bytes
            self.examined = examined
            self.read = read
        }
    }

    static func call(_ keys: QueueKeys, _ match: DeadLetterMatch, after cursor: PageCursor?, bounds: Bounds, listing: Bool) -> ScriptCall {
        ScriptCall(
            script,
            keys: [keys.dead],
            arguments: [
                keys.prefix, String(bounds.matches), String(bounds.bytes), String(bounds.examined), String(bounds.read),
                cursor.map { String($0.position) } ?? "", cursor?.id.rawValue ?? "", match.type?.rawValue ?? "",
                match.foldedErrorText, listing ? "list" : "count",
            ]
        )
    }

    static func parse(_ reply: RedisValue) throws(RedisError) -> Reply {
        guard let parts = reply.array, parts.count >= 5, (parts.count - 5) % 3 == 0,
            let stop = parts[0].int, let examined = parts[1].int, let matched = parts[2].int
        else {
            throw RedisError.unexpectedReply("dead-letter-filter", reply)
        }
        var resume: PageCursor?
        if stop != 0 {
            guard let ms = parts[3].string.flatMap(DeadLetterPageScript.milliseconds),
                let id = parts[4].string.flatMap({ try? JobID($0) })
            else {
                throw RedisError.unexpectedReply("dead-letter-filter", reply)
            }
            resume = PageCursor(position: ms, id: id)
        }
        let entries = try DeadLetterPageScript.entries(parts[5...], reply: reply, script: "dead-letter-filter")
        return Reply(entries: entries, examined: Int(examined), matched: Int(matched), resume: resume, moreMatch: stop == 1)
    }
}
