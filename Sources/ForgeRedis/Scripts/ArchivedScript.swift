import ForgeCore

/// Acknowledges a batch of events that history now holds, and lets the finished jobs among them
/// leave Redis soon.
///
/// KEYS: 1 events
/// ARGV: 1 key prefix, 2 archiver group, 3 finished TTL ms, 4 entry count n, then n stream entry
///       ids, then the ids of the jobs whose events in the batch finished them
///
/// Guarantees: the entries are acknowledged and deleted, keeping the stream short; once the stream
/// is empty the queue leaves ``KeySpace/unarchived`` (in the same atomic step, so an event written
/// meanwhile keeps it there). A finished job
/// stays in Redis until history has it (``QueueStore/unarchivedRetentionMs``, so a Postgres outage
/// never hides it from `GET /v1/jobs/{id}`); from here its TTL is at most the finished TTL, since
/// history answers for it after. A TTL is only ever shortened, never set: only finished jobs have
/// one (a live or dead job's hash has no expiry), so a replayed batch cannot expire a job that
/// lives on, nor lengthen one.
enum ArchivedScript {
    static let script = LuaScript(
        named: "archived",
        body: #"""
            local prefix, group, ttl, n = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
            local entries = {}
            for i = 1, n do entries[i] = ARGV[4 + i] end
            if n > 0 then
              chunked({'XACK', KEYS[1], group}, entries)
              chunked({'XDEL', KEYS[1]}, entries)
            end
            if INDEXED and redis.call('XLEN', KEYS[1]) == 0 then
              local _, unarchived, queue = indexes(KEYS[1])
              redis.call('SREM', unarchived, queue)
            end
            for i = 5 + n, #ARGV do
              local jk = prefix .. 'job:' .. ARGV[i]
              if redis.call('PTTL', jk) > ttl then redis.call('PEXPIRE', jk, ttl) end
            end
            return n
            """#
    )

    static func call(_ keys: QueueKeys, group: String, entryIDs: [String], finished: [JobID], finishedTTLMs: Int64) -> ScriptCall {
        var arguments = [keys.prefix, group, String(finishedTTLMs), String(entryIDs.count)]
        arguments.reserveCapacity(arguments.count + entryIDs.count + finished.count)
        arguments += entryIDs
        arguments += finished.map(\.rawValue)
        return ScriptCall(script, keys: [keys.events], arguments: arguments)
    }
}
