import ForgeCore
import Synchronization

extension QueueStore {
    /// Finds the queue holding a live job with O(1) work, whatever the number of queues.
    ///
    /// Ids made for a queue carry its ``QueueName/tag`` (``JobID/tag``), and registering a queue
    /// adds it to the set of its tag (``KeySpace/queueTag(_:)``), so the candidates are the few
    /// queues of that tag (usually one), plus `hint` when the caller names a queue. The sets are
    /// cached: a lookup is one pipelined EXISTS on the candidates, and a miss reads the tag's set
    /// again (a queue registered since) before it gives up. Ids made without a tag (a library
    /// user choosing ids, or jobs enqueued before tags existed) are found through `hint` only.
    public func locate(_ id: JobID, hint: QueueName? = nil) async throws(RedisError) -> QueueName? {
        try await firstCandidate(id, hint: hint, { ["EXISTS", keys.queue($0).job(id)] }, found: { $0.int == 1 })?.queue
    }

    /// A live job as stored in Redis, or `nil` when Redis no longer (or never) held it: usually
    /// one round trip (HGETALL on the candidates of ``locate(_:hint:)``).
    public func job(_ id: JobID, queue hint: QueueName? = nil) async throws(RedisError) -> JobRecord? {
        let hit = try await firstCandidate(
            id,
            hint: hint,
            { ["HGETALL", keys.queue($0).job(id)] },
            found: {
                !($0.array ?? []).isEmpty
            }
        )
        guard let (queue, reply) = hit else { return nil }
        return JobHash.record(from: reply, id: id, queue: queue)
    }

    /// Sends `command` for each candidate queue of `id` and returns the first whose reply is
    /// `found`; on a miss, reads the tag's set once more and tries the queues it adds.
    private func firstCandidate(
        _ id: JobID,
        hint: QueueName?,
        _ command: (QueueName) -> [String],
        found: (RedisValue) -> Bool
    ) async throws(RedisError) -> (queue: QueueName, reply: RedisValue)? {
        let tag = id.tag
        var tried: Set<QueueName> = []
        var candidates = (hint.map { [$0] } ?? []) + tagCache.withLock { $0[tag] ?? [] }
        for pass in 0..<2 {
            candidates = candidates.filter { tried.insert($0).inserted }
            if !candidates.isEmpty {
                let replies = try await redis.pipeline(candidates.map(command))
                if let hit = zip(candidates, replies).first(where: { found($0.1) }) { return (hit.0, hit.1) }
            }
            guard pass == 0 else { break }
            let reply = try await redis.command(["SMEMBERS", keys.queueTag(tag)])
            let names = (reply.array ?? []).compactMap { $0.string.flatMap { try? QueueName($0) } }
            tagCache.withLock { $0[tag] = names }
            candidates = names
        }
        return nil
    }

    /// Deletes `queue` when it is empty (see ``DeleteQueueScript``).
    ///
    /// The registry and tag entries go first, so no scheduler or `*` worker picks the queue up
    /// while it goes, then (atomically with the emptiness check) its keys and its `registered`
    /// marker. An enqueue racing the deletion either lands before the check (the queue is not
    /// empty: both entries come back) or is refused after it and registers the queue anew, so no
    /// job is ever left in a queue the registry does not list. Returns `nil` when deleted, else
    /// what it still holds (`events`: entries not yet archived to Postgres).
    public func deleteQueue(_ queue: QueueName) async throws(RedisError) -> (counts: QueueCounts, events: Int)? {
        let entries: [[String]] = [["SREM", keys.queues, queue.rawValue], ["SREM", keys.queueTag(queue.tag), queue.rawValue]]
        let restore: [[String]] = [["SADD", keys.queues, queue.rawValue], ["SADD", keys.queueTag(queue.tag), queue.rawValue]]
        _ = try await redis.pipeline(entries)
        let reply: RedisValue
        do {
            reply = try await redis.evaluate(DeleteQueueScript.call(keys, queue: queue))
        } catch {
            _ = try? await redis.pipeline(restore)
            throw error
        }
        let n = (reply.array ?? []).map { Int($0.int ?? 0) }
        guard n.count == 6 else { return nil }
        // Not empty: back into the registry (its enqueues went on meanwhile: the marker stayed).
        _ = try await redis.pipeline(restore)
        return (QueueCounts(scheduled: n[0], pending: n[1], active: n[2], retrying: n[3], dead: n[4]), n[5])
    }
}
