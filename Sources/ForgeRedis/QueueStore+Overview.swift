import ForgeCore

/// One queue as the overview shows it: depth by state, the cumulative counters rates are
/// derived from, and how far history lags behind.
public struct QueueOverview: Sendable, Hashable {
    public var name: QueueName
    public var paused: Bool
    /// Depth by state; `completed` is cumulative, like ``enqueued``.
    public var counts: QueueCounts
    /// Jobs created in the queue since it was created (a duplicate unique key creates none).
    /// Two readings apart give the enqueue rate.
    public var enqueued: Int
    /// When the oldest event history does not have yet was written (Redis time, Unix ms); `nil`
    /// when history has everything.
    public var oldestUnarchivedMs: Int64?
    /// How long that event has waited, 0 when none waits.
    public var historyLagMs: Int64

    /// Jobs completed since the queue was created.
    public var completed: Int { counts.completed }

    public init(name: QueueName, paused: Bool, counts: QueueCounts, enqueued: Int, oldestUnarchivedMs: Int64?, historyLagMs: Int64) {
        self.name = name
        self.paused = paused
        self.counts = counts
        self.enqueued = enqueued
        self.oldestUnarchivedMs = oldestUnarchivedMs
        self.historyLagMs = historyLagMs
    }
}

extension QueueStore {
    /// Queues per round trip of ``overview(_:now:)``: a thousand queues in four, sent over
    /// several connections at once, none holding a connection for long.
    static let overviewChunk = 250

    /// ``status(_:)`` of each queue plus its counters and history lag, in the order of `names`:
    /// one read-only script per queue (``OverviewScript``), a chunk of queues per round trip.
    ///
    /// The lag is `now` minus the time in the id of the queue's first events-stream entry
    /// (archived entries are deleted, so the first is the oldest one history lacks); without
    /// `now`, Redis' clock, the one stream ids come from.
    public func overview(_ names: [QueueName], now: Int64? = nil) async throws(RedisError) -> [QueueOverview] {
        let chunks = stride(from: 0, to: names.count, by: Self.overviewChunk).map {
            Array(names[$0..<min(names.count, $0 + Self.overviewChunk)])
        }
        let replies: [[RedisValue]]
        do {
            replies = try await withThrowingTaskGroup(of: (Int, [RedisValue]).self) { group in
                for (index, chunk) in chunks.enumerated() {
                    let calls = chunk.map { OverviewScript.call(keys.queue($0)) }
                    group.addTask { (index, try await self.redis.evaluate(calls)) }
                }
                var replies = [[RedisValue]](repeating: [], count: chunks.count)
                for try await (index, reply) in group { replies[index] = reply }
                return replies
            }
        } catch let error as RedisError {
            throw error
        } catch {
            throw RedisError(code: .unexpectedReply, message: "overview: \(error)")
        }
        var overviews: [QueueOverview] = []
        overviews.reserveCapacity(names.count)
        for (chunk, reply) in zip(chunks, replies) {
            for (queue, value) in zip(chunk, reply) {
                overviews.append(try OverviewScript.parse(value, queue: queue, now: now))
            }
        }
        return overviews
    }
}
