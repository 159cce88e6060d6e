import ForgeCore

extension QueueStore {
    /// Most dead letters one filtered walk examines (``DeadLetterFilterScript``): a filter reads
    /// two fields per job in a script, about 2 µs each, so a walk holds Redis for milliseconds
    /// however many dead letters the queue keeps.
    public static let deadLetterScanEntries = 5_000
    /// About the most bytes of `spec` and `last_error` one walk reads: a type filter reads each
    /// job's payload with its type, and 5 000 payloads of 1 MiB would hold Redis for seconds.
    public static let deadLetterScanBytes = 8 << 20

    /// One page of `queue`'s dead letters that `match` takes, after `cursor`, latest death first,
    /// bounded like ``deadLetterPage(_:after:limit:maxBytes:)`` and by one walk's scan bounds: a
    /// page that reached them before `limit` matches (even an empty one) still has a next cursor,
    /// the last dead letter examined, so the caller continues where the walk stopped. The next
    /// cursor is `nil` once the dead set is walked to its end. Every match comes once, in order,
    /// across pages.
    public func deadLetterPage(
        _ queue: QueueName,
        matching match: DeadLetterMatch,
        after cursor: PageCursor? = nil,
        limit: Int,
        maxBytes: Int
    ) async throws(RedisError) -> JobPage {
        guard !match.matchesEverything else { return try await deadLetterPage(queue, after: cursor, limit: limit, maxBytes: maxBytes) }
        let walk = try await deadLetterWalk(queue, match, after: cursor, bounds: .page(limit: limit, maxBytes: maxBytes))
        let k = keys.queue(queue)
        var jobs: [JobRecord] = []
        var bytes = 0
        var last: DeadLetterPageScript.Entry?
        for chunk in Self.readChunks(walk.entries) {
            let replies = try await redis.pipeline(chunk.map { ["HGETALL", k.job($0.id)] })
            for (entry, reply) in zip(chunk, replies) {
                // Gone, or retried and dead again of something else since the walk.
                guard let record = JobHash.record(from: reply, id: entry.id, queue: queue), match.matches(record) else {
                    last = entry
                    continue
                }
                guard jobs.isEmpty || bytes + record.pageBytes <= maxBytes else {
                    return JobPage(jobs: jobs, nextCursor: last.map { PageCursor(position: $0.deathMs, id: $0.id).description })
                }
                jobs.append(record)
                bytes += record.pageBytes
                last = entry
            }
        }
        return JobPage(jobs: jobs, nextCursor: walk.resume?.description)
    }

    /// How many of `queue`'s dead letters `match` takes, counted over walks of the newest `cap`
    /// at most; `capped` when dead letters beyond those were left uncounted. Without a filter:
    /// the size of the dead set (one `ZCARD`), never capped.
    public func deadLetterCount(_ queue: QueueName, matching match: DeadLetterMatch, cap: Int) async throws(RedisError) -> (count: Int, capped: Bool)
    {
        guard !match.matchesEverything else {
            return (Int(try await redis.command(["ZCARD", keys.queue(queue).dead]).int ?? 0), false)
        }
        var count = 0
        var examined = 0
        var cursor: PageCursor?
        // The byte bound can cut walks short of their entries; so can the number of walks.
        for _ in 0..<max(1, 2 * cap / Self.deadLetterScanEntries) {
            let bounds = DeadLetterFilterScript.Bounds(
                matches: Int(Int32.max),
                bytes: 0,
                examined: min(Self.deadLetterScanEntries, cap - examined),
                read: Self.deadLetterScanBytes
            )
            let walk = try await deadLetterWalk(queue, match, after: cursor, bounds: bounds, listing: false)
            count += walk.matched
            examined += walk.examined
            guard let resume = walk.resume else { return (count, false) }
            guard examined < cap else { return (count, true) }
            cursor = resume
        }
        return (count, true)
    }

    /// One walk of ``DeadLetterFilterScript`` (list reads and bulk actions continue from its
    /// `resume`).
    package func deadLetterWalk(
        _ queue: QueueName,
        _ match: DeadLetterMatch,
        after cursor: PageCursor?,
        bounds: DeadLetterFilterScript.Bounds,
        listing: Bool = true
    ) async throws(RedisError) -> DeadLetterFilterScript.Reply {
        try DeadLetterFilterScript.parse(
            try await redis.evaluate(DeadLetterFilterScript.call(keys.queue(queue), match, after: cursor, bounds: bounds, listing: listing))
        )
    }
}

extension DeadLetterFilterScript.Bounds {
    /// A page's: `limit` matches within `maxBytes`, scanned within the store's walk bounds.
    package static func page(limit: Int, maxBytes: Int) -> Self {
        Self(matches: limit, bytes: maxBytes, examined: QueueStore.deadLetterScanEntries, read: QueueStore.deadLetterScanBytes)
    }
}
