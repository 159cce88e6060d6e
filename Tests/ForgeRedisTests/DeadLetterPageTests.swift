import ForgeCore
import ForgeRedis
import ForgeTestSupport
import Testing

/// Dead letters are read in pages bounded by count and bytes, fetched in round trips that stay
/// small, so no reply carries hundreds of MiB.
@Suite struct DeadLetterPageTests {
    static func entries(_ sizes: [Int]) -> [DeadLetterPageScript.Entry] {
        sizes.enumerated().map { DeadLetterPageScript.Entry(id: JobID.generate(), deathMs: Int64($0.offset), bytes: $0.element) }
    }

    @Test func readsGoInRoundTripsOfFewJobsAndAboutOneMebibyte() {
        let small = QueueStore.readChunks(Self.entries(Array(repeating: 1_000, count: 100)))
        #expect(small.map(\.count) == [32, 32, 32, 4])
        let large = QueueStore.readChunks(Self.entries(Array(repeating: 300 << 10, count: 10)))
        #expect(large.map(\.count) == [3, 3, 3, 1])
        // One job above the round trip's size goes alone, and nothing is left out.
        let mixed = QueueStore.readChunks(Self.entries([100, 5 << 20, 100, 100]))
        #expect(mixed.map(\.count) == [1, 1, 2])
        #expect(QueueStore.readChunks([]).isEmpty)
    }

    @Test func aPageStopsAtItsBudgetAndTheCursorReachesEveryDeadLetterOnce() async throws {
        try await TestRedis.with { redis in
            let payload = "\"" + String(repeating: "p", count: 10_000) + "\""
            let jobs = (0..<7).map { _ in job("big", payload: payload) }
            _ = try await redis.queues.enqueue(jobs)
            for leased in try await redis.queues.lease(queue: q, count: 7, visibilityMs: 60_000, worker: "w") {
                _ = try await redis.queues.fail(queue: q, LeaseRef(leased), error: "x", retryable: false, retryDelayMs: 0)
            }
            var seen: [JobID] = []
            var cursor: PageCursor?
            repeat {
                // Two jobs weigh over 20 000 bytes: a 25 000-byte budget holds two.
                let page = try await redis.queues.deadLetterPage(q, after: cursor, limit: 100, maxBytes: 25_000)
                #expect(page.jobs.count == 2 || (page.jobs.count == 1 && page.nextCursor == nil))
                seen += page.jobs.map(\.id)
                cursor = try page.nextCursor.map { (text: String) throws(ValidationError) in try PageCursor(text) }
            } while cursor != nil
            #expect(seen.count == 7)
            #expect(Set(seen) == Set(jobs.map(\.id)))
            // A budget below one job still makes progress, one job a page.
            #expect(try await redis.queues.deadLetterPage(q, limit: 100, maxBytes: 1).jobs.count == 1)
        }
    }
}
