import ForgeCore

/// Removes an empty queue's keys.
///
/// KEYS: the queue's ``QueueKeys/structures`` (ready lists 9…0, then leased, lease seq,
///   scheduled, retry, dead, paused, backpressure, fence, events, wake, stats, registered)
/// ARGV: 1 queue name
///
/// The queue leaves the namespace's due and unarchived indexes too, where there are indexes (not
/// on a Redis Cluster: see ``LuaPrelude``); they are not declared keys, being in other slots.
///
/// Empty means: no job in a ready list, `scheduled`, `retry`, `leased` or `dead`, and no event
/// left in `events` (archived entries are deleted from the stream, so its length is what history
/// has not seen yet). Then every key of the queue goes, the `registered` marker with them, so an
/// enqueue that races the deletion is refused (`UNREGISTERED`) and registers the queue again.
/// Finished jobs' hashes and unique keys expire on their own. Returns `{}` when deleted, else
/// `{scheduled, pending, active, retrying, dead, unarchived events}`.
enum DeleteQueueScript {
    static let script = LuaScript(
        named: "delete-queue",
        body: #"""
            local pending = 0
            for i = 1, 10 do pending = pending + redis.call('LLEN', KEYS[i]) end
            local active = redis.call('ZCARD', KEYS[11])
            local scheduled = redis.call('ZCARD', KEYS[13])
            local retrying = redis.call('ZCARD', KEYS[14])
            local dead = redis.call('ZCARD', KEYS[15])
            local events = redis.call('XLEN', KEYS[19])
            if pending + active + scheduled + retrying + dead + events > 0 then
              return {scheduled, pending, active, retrying, dead, events}
            end
            redis.call('DEL', unpack(KEYS, 1, 22))
            if INDEXED then
              local due, unarchived = indexes(KEYS[1])
              redis.call('ZREM', due, ARGV[1])
              redis.call('SREM', unarchived, ARGV[1])
            end
            return {}
            """#
    )

    static func call(_ space: KeySpace, queue: QueueName) -> ScriptCall {
        ScriptCall(script, keys: space.queue(queue).structures, arguments: [queue.rawValue])
    }
}
