import ForgeCore

extension QueueStore {
    /// Retries those of `ids` that are dead letters of `queue`, in one script call (keep `ids` to a
    /// few hundred); returns how many moved back to pending.
    public func reviveDead(_ ids: [JobID], queue: QueueName) async throws(RedisError) -> Int {
        guard !ids.isEmpty else { return 0 }
        return Int(try await redis.evaluate(ReviveScript.call(keys.queue(queue), ids: ids)).int ?? 0)
    }

    /// Deletes those of `ids` that are dead letters of `queue`, in one script call (keep `ids` to
    /// a few hundred); returns how many went.
    public func removeDead(_ ids: [JobID], queue: QueueName) async throws(RedisError) -> Int {
        guard !ids.isEmpty else { return 0 }
        return Int(try await redis.evaluate(RemoveDeadScript.call(keys.queue(queue), ids: ids)).int ?? 0)
    }

    /// Those of `ids` that are dead letters of `queue`, in the given order, with their death times
    /// and what their large fields weigh: one pipelined round trip (keep `ids` to a few hundred).
    package func deadLetterEntries(_ ids: [JobID], queue: QueueName) async throws(RedisError) -> [DeadLetterPageScript.Entry] {
        guard !ids.isEmpty else { return [] }
        let k = keys.queue(queue)
        let replies = try await redis.pipeline(
            ids.flatMap { id in
                [["ZSCORE", k.dead, id.rawValue]] + ["spec", "result", "last_error"].map { ["HSTRLEN", k.job(id), $0] }
            }
        )
        return ids.enumerated().compactMap { offset, id in
            let reply = replies[(offset * 4)..<(offset * 4 + 4)]
            guard let score = reply[reply.startIndex].string.flatMap(DeadLetterPageScript.milliseconds) else { return nil }
            let bytes = reply.dropFirst().reduce(0) { $0 + Int($1.int ?? 0) }
            return DeadLetterPageScript.Entry(id: id, deathMs: score, bytes: bytes)
        }
    }

    /// The job records of `entries` still in Redis, read in round trips of bounded size
    /// (``readChunks(_:)``).
    package func deadLetterRecords(_ entries: [DeadLetterPageScript.Entry], queue: QueueName) async throws(RedisError) -> [JobRecord] {
        let k = keys.queue(queue)
        var records: [JobRecord] = []
        for chunk in Self.readChunks(entries) {
            let replies = try await redis.pipeline(chunk.map { ["HGETALL", k.job($0.id)] })
            records += zip(chunk, replies).compactMap { JobHash.record(from: $1, id: $0.id, queue: queue) }
        }
        return records
    }
}
