import ForgeCore
import ForgeRedis
import ForgeTestSupport
import Testing

/// The filter walk over a queue's dead set: however small its bounds, following its resume
/// position reaches every match exactly once, in the set's order; and the revive and
/// remove-dead scripts act on many ids in one call, skipping those that are not dead letters.
@Suite struct DeadLetterFilterTests {
    /// Thirty dead letters, every third of type `b`, with errors `E0` … `E29`.
    static func deadLetters(_ redis: TestRedis) async throws -> [JobID] {
        let jobs = (0..<30).map { job($0 % 3 == 0 ? "b" : "a", maxAttempts: 1) }
        _ = try await redis.queues.enqueue(jobs)
        for leased in try await redis.queues.lease(queue: q, count: 30, visibilityMs: 60_000, worker: "w") {
            let index = jobs.firstIndex { $0.id == leased.id } ?? -1
            _ = try await redis.queues.fail(queue: q, LeaseRef(leased), error: "E\(index)", retryable: false, retryDelayMs: 0)
        }
        return jobs.map(\.id)
    }

    static func order(_ redis: TestRedis) async throws -> [JobID] {
        try (try await redis.client.command(["ZREVRANGE", redis.keys.queue(q).dead, "0", "-1"]).array ?? []).compactMap {
            try $0.string.map { try JobID($0) }
        }
    }

    @Test func smallWalksReachEveryMatchOnceInOrder() async throws {
        try await TestRedis.with { redis in
            let ids = try await Self.deadLetters(redis)
            let wanted = Set(ids.enumerated().filter { $0.offset % 3 == 0 }.map(\.element))
            let bounds = DeadLetterFilterScript.Bounds(matches: 2, bytes: .max, examined: 4, read: 1 << 20)
            var seen: [JobID] = []
            var cursor: PageCursor?
            var walks = 0
            repeat {
                let walk = try await redis.queues.deadLetterWalk(q, DeadLetterMatch(type: try JobType("b")), after: cursor, bounds: bounds)
                #expect(walk.examined <= 4 && walk.entries.count <= 2)
                seen += walk.entries.map(\.id)
                cursor = walk.resume
                walks += 1
            } while cursor != nil && walks < 100
            #expect(seen == (try await Self.order(redis)).filter(wanted.contains))
        }
    }

    @Test func aWalkHoldsOneMatchOverItsBudgetAndContinuesPastAJobThatLeft() async throws {
        try await TestRedis.with { redis in
            let ids = try await Self.deadLetters(redis)
            let everyError = DeadLetterMatch(errorText: "e")
            let tight = DeadLetterFilterScript.Bounds(matches: 10, bytes: 1, examined: 100, read: 1 << 20)
            let first = try await redis.queues.deadLetterWalk(q, everyError, after: nil, bounds: tight)
            #expect(first.entries.count == 1 && first.moreMatch)

            let order = try await Self.order(redis)
            let roomy = DeadLetterFilterScript.Bounds(matches: 5, bytes: .max, examined: 100, read: 1 << 20)
            let page = try await redis.queues.deadLetterWalk(q, everyError, after: nil, bounds: roomy)
            #expect(page.entries.map(\.id) == Array(order.prefix(5)))
            // The cursor's own job leaves; the next walk starts where it stood all the same.
            #expect(try await redis.queues.removeDead([order[4]], queue: q) == 1)
            let next = try await redis.queues.deadLetterWalk(q, everyError, after: page.resume, bounds: roomy)
            #expect(next.entries.map(\.id) == Array(order[5..<10]))
            #expect(ids.count == 30)
        }
    }

    @Test func reviveAndRemoveTakeManyIdsAndSkipTheRest() async throws {
        try await TestRedis.with { redis in
            let ids = try await Self.deadLetters(redis)
            let stranger = JobID.generate()
            #expect(try await redis.queues.reviveDead([ids[0], ids[1], stranger, ids[0]], queue: q) == 2)
            #expect(try await redis.queues.job(ids[0], queue: q)?.state == .pending)
            #expect(try await redis.queues.removeDead([ids[0], ids[2], ids[3], stranger], queue: q) == 2, "a revived job is no dead letter")
            #expect(try await redis.queues.job(ids[2], queue: q) == nil)
            let counts = try await redis.queues.status(q).counts
            #expect(counts.dead == 26 && counts.pending == 2)
            let all = try await redis.queues.deadLetterCount(q, matching: .everything, cap: 1)
            #expect(all.count == 26 && !all.capped, "unfiltered: the whole set, never capped")
        }
    }
}
