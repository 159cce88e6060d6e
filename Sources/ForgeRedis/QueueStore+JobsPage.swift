import ForgeCore

extension QueueStore {
    /// The most jobs one ``jobsPage(_:state:offset:limit:)`` returns.
    public static let jobsPageLimit = 1...200

    /// One page of `queue`'s jobs in `state`, in the order the queue serves or keeps them (see
    /// ``LiveState``), and how many jobs are in that state.
    ///
    /// Reads only the ids of the page (`LRANGE`/`ZRANGE` windows by index), then their hashes in
    /// round trips of at most ``deadLetterReadJobs``, so a deep page of a long queue costs no
    /// more than the first. A job that left the state between the two reads is shown as it is
    /// now; one whose hash vanished (finished and expired, deleted) is skipped, so a page may
    /// hold fewer than `limit` jobs while more follow. `limit` is clamped to ``jobsPageLimit``.
    public func jobsPage(
        _ queue: QueueName,
        state: LiveState,
        offset: Int,
        limit: Int
    ) async throws(RedisError) -> (jobs: [JobRecord], total: Int) {
        let offset = max(0, offset)
        let limit = min(max(limit, Self.jobsPageLimit.lowerBound), Self.jobsPageLimit.upperBound)
        let k = keys.queue(queue)
        let (ids, total) =
            switch state {
            case .pending: try await readyWindow(k, offset: offset, limit: limit)
            case .scheduled: try await setWindow(k.scheduled, offset: offset, limit: limit)
            case .active: try await setWindow(k.leased, offset: offset, limit: limit)
            case .retrying: try await setWindow(k.retry, offset: offset, limit: limit)
            case .dead: try await setWindow(k.dead, latestFirst: true, offset: offset, limit: limit)
            }
        var jobs: [JobRecord] = []
        jobs.reserveCapacity(ids.count)
        var start = 0
        while start < ids.count {
            let chunk = ids[start..<min(ids.count, start + Self.deadLetterReadJobs)]
            let replies = try await redis.pipeline(chunk.map { ["HGETALL", k.job($0)] })
            for (id, reply) in zip(chunk, replies) {
                if case .error(let message) = reply { throw RedisError.server(message) }
                if let record = JobHash.record(from: reply, id: id, queue: queue) { jobs.append(record) }
            }
            start += chunk.count
        }
        return (jobs, total)
    }

    /// Ids `offset..<offset+limit` of the ready lists read as one list, highest priority first:
    /// the lengths first, then only the parts of the lists the window covers.
    private func readyWindow(_ k: QueueKeys, offset: Int, limit: Int) async throws(RedisError) -> (ids: [JobID], total: Int) {
        let lists = k.readyLists
        let lengths = try await redis.pipeline(lists.map { ["LLEN", $0] })
        for case .error(let message) in lengths { throw RedisError.server(message) }
        var ranges: [[String]] = []
        var listStart = 0
        for (list, reply) in zip(lists, lengths) {
            let length = Int(reply.int ?? 0)
            let from = max(offset, listStart)
            let to = min(offset + limit, listStart + length)
            if from < to { ranges.append(["LRANGE", list, String(from - listStart), String(to - listStart - 1)]) }
            listStart += length
        }
        guard !ranges.isEmpty else { return ([], listStart) }
        let replies = try await redis.pipeline(ranges)
        var ids: [JobID] = []
        for reply in replies {
            if case .error(let message) = reply { throw RedisError.server(message) }
            ids += Self.jobIDs(reply)
        }
        // A list that grew between the two reads answers its whole window: still the page's size.
        return (Array(ids.prefix(limit)), listStart)
    }

    /// Ids `offset..<offset+limit` of a ZSET by score and its size, in one round trip.
    private func setWindow(
        _ key: String,
        latestFirst: Bool = false,
        offset: Int,
        limit: Int
    ) async throws(RedisError) -> (ids: [JobID], total: Int) {
        let replies = try await redis.pipeline([
            ["ZCARD", key], [latestFirst ? "ZREVRANGE" : "ZRANGE", key, String(offset), String(offset + limit - 1)],
        ])
        for case .error(let message) in replies { throw RedisError.server(message) }
        return (Self.jobIDs(replies[1]), Int(replies[0].int ?? 0))
    }

    /// The job ids of a list reply, skipping anything that is not one.
    private static func jobIDs(_ reply: RedisValue) -> [JobID] {
        (reply.array ?? []).compactMap { $0.string.flatMap { try? JobID($0) } }
    }
}
