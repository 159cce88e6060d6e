import ForgeCore

extension QueueStore {
    /// Most job hashes fetched in one round trip.
    static let deadLetterReadJobs = 32
    /// About the most bytes one round trip fetches (a single larger job goes alone): the reply is
    /// read and parsed whole, and the connection serves nobody else meanwhile.
    static let deadLetterReadBytes = 1 << 20

    /// One page of `queue`'s dead letters after `cursor`, latest death first: at most `limit`
    /// jobs, and jobs only while their payloads, results and errors fit `maxBytes`
    /// (``JobRecord/pageBytes``), though always one, so paging progresses. The next cursor is the
    /// last job's death time (ms) and id.
    ///
    /// A script plans the page from the lengths of the jobs' large fields
    /// (``DeadLetterPageScript``); the planned hashes are then fetched in round trips of at most
    /// ``deadLetterReadJobs`` jobs and about ``deadLetterReadBytes``. A thousand dead letters of
    /// 1 MiB in one pipeline made one reply of a GiB: the gateway held it several times over, and
    /// Redis its output buffer. A job retried or deleted meanwhile is left out; one that grew
    /// meanwhile (a retried job that finished with a large result) ends the page early.
    public func deadLetterPage(
        _ queue: QueueName,
        after cursor: PageCursor? = nil,
        limit: Int,
        maxBytes: Int
    ) async throws(RedisError) -> JobPage {
        let k = keys.queue(queue)
        let plan = try DeadLetterPageScript.parse(
            try await redis.evaluate(DeadLetterPageScript.call(k, after: cursor, limit: limit, maxBytes: maxBytes))
        )
        var jobs: [JobRecord] = []
        var bytes = 0
        var last: DeadLetterPageScript.Entry?
        for chunk in Self.readChunks(plan.entries) {
            let replies = try await redis.pipeline(chunk.map { ["HGETALL", k.job($0.id)] })
            for (entry, reply) in zip(chunk, replies) {
                guard let record = JobHash.record(from: reply, id: entry.id, queue: queue) else {
                    last = entry
                    continue
                }
                guard jobs.isEmpty || bytes + record.pageBytes <= maxBytes else {
                    return JobPage(jobs: jobs, nextCursor: last.map(Self.cursor))
                }
                jobs.append(record)
                bytes += record.pageBytes
                last = entry
            }
        }
        return JobPage(jobs: jobs, nextCursor: plan.more ? last.map(Self.cursor) : nil)
    }

    /// Dead letters of a queue, most recent first: the first page of at most `limit`, without a
    /// byte budget (tests and tools that know the queue is small).
    public func deadLetters(_ queue: QueueName, limit: Int = 100) async throws(RedisError) -> [JobRecord] {
        try await deadLetterPage(queue, limit: limit, maxBytes: .max).jobs
    }

    /// `entries` cut into consecutive round trips of at most ``deadLetterReadJobs`` jobs and about
    /// ``deadLetterReadBytes``.
    package static func readChunks(_ entries: [DeadLetterPageScript.Entry]) -> [ArraySlice<DeadLetterPageScript.Entry>] {
        var chunks: [ArraySlice<DeadLetterPageScript.Entry>] = []
        var start = entries.startIndex
        var bytes = 0
        for index in entries.indices {
            let full = index - start == deadLetterReadJobs || (index > start && bytes + entries[index].bytes > deadLetterReadBytes)
            if full {
                chunks.append(entries[start..<index])
                start = index
                bytes = 0
            }
            bytes += entries[index].bytes
        }
        if start < entries.endIndex { chunks.append(entries[start...]) }
        return chunks
    }

    private static func cursor(_ entry: DeadLetterPageScript.Entry) -> String {
        PageCursor(position: entry.deathMs, id: entry.id).description
    }
}
