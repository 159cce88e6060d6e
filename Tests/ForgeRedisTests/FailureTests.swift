import ForgeCore
import ForgeRedis
import Testing

@Suite struct FailureTests {
    @Test func retriesWaitForTheirBackoffThenEndInTheDeadLetterSet() async throws {
        try await TestRedis.with { redis in
            let new = job(maxAttempts: 3)
            _ = try await redis.store.enqueue(new)
            for attempt in 1...3 {
                let leased = try #require(try await redis.store.lease(queue: q, count: 1, visibilityMs: 30_000, worker: "w").first)
                #expect(leased.attempts == attempt)
                let outcome = try await redis.store.fail(
                    queue: q, LeaseRef(leased), error: "boom \(attempt)", retryable: true, retryDelayMs: 3_600_000
                )
                if attempt < 3 {
                    guard case .retrying(let at) = outcome else {
                        Issue.record("attempt \(attempt): expected retrying, got \(outcome)")
                        return
                    }
                    #expect(at - leased.leasedAtMs >= 3_600_000)
                    #expect(try await redis.store.job(new.id)?.state == .retrying)
                    // Not due yet: the backoff delay holds it back.
                    #expect(try await redis.store.promoteDue(q).moved == 0)
                    #expect(try await redis.store.lease(queue: q, count: 1, visibilityMs: 1_000, worker: "w").isEmpty)
                    try await redis.makeDue(new.id, in: \.retry)
                    #expect(try await redis.store.promoteDue(q).moved == 1)
                } else {
                    #expect(outcome == .dead)
                }
            }
            let dead = try #require(try await redis.store.job(new.id))
            #expect(dead.state == .dead)
            #expect(dead.lastError == "boom 3")
            #expect(dead.finishedAtMs != nil)
            #expect(try await redis.store.deadLetters(q).map(\.id) == [new.id])
            #expect(try await redis.store.status(q).counts.dead == 1)
        }
    }

    @Test func nonRetryableFailureGoesStraightToDeadLetters() async throws {
        try await TestRedis.with { redis in
            _ = try await redis.store.enqueue(job(maxAttempts: 10))
            let leased = try #require(try await redis.store.lease(queue: q, count: 1, visibilityMs: 30_000, worker: "w").first)
            let outcome = try await redis.store.fail(queue: q, LeaseRef(leased), error: "400", retryable: false, retryDelayMs: 0)
            #expect(outcome == .dead)
            #expect(try await redis.store.status(q).counts == QueueCounts(dead: 1))
        }
    }

    @Test func deadLetterRetryStartsAFreshSetOfAttempts() async throws {
        try await TestRedis.with { redis in
            let new = job(maxAttempts: 1)
            _ = try await redis.store.enqueue(new)
            let leased = try #require(try await redis.store.lease(queue: q, count: 1, visibilityMs: 30_000, worker: "w").first)
            _ = try await redis.store.fail(queue: q, LeaseRef(leased), error: "x", retryable: true, retryDelayMs: 0)
            #expect(try await redis.store.reviveDead(new.id, queue: q))
            #expect(try await redis.store.reviveDead(new.id, queue: q) == false)
            let again = try #require(try await redis.store.lease(queue: q, count: 1, visibilityMs: 30_000, worker: "w").first)
            #expect(again.id == new.id)
            #expect(again.attempts == 1)
            #expect(try await redis.store.complete(queue: q, [Completion(id: again.id, token: again.token)]).completed == [true])
        }
    }

    @Test func deadLetterDeleteRemovesTheJob() async throws {
        try await TestRedis.with { redis in
            let new = job(maxAttempts: 1)
            _ = try await redis.store.enqueue(new)
            let leased = try #require(try await redis.store.lease(queue: q, count: 1, visibilityMs: 30_000, worker: "w").first)
            _ = try await redis.store.fail(queue: q, LeaseRef(leased), error: "x", retryable: false, retryDelayMs: 0)
            #expect(try await redis.store.removeDead(new.id, queue: q))
            #expect(try await redis.store.job(new.id) == nil)
            #expect(try await redis.store.deadLetters(q).isEmpty)
            #expect(try await redis.store.removeDead(new.id, queue: q) == false)
        }
    }
}

@Suite struct CancelTests {
    @Test func waitingJobsAreCanceledAtOnce() async throws {
        try await TestRedis.with { redis in
            let pending = job(), scheduled = job(delayMs: 60_000)
            _ = try await redis.store.enqueue([pending, scheduled])
            #expect(try await redis.store.cancel(pending.id) == .canceled)
            #expect(try await redis.store.cancel(scheduled.id) == .canceled)
            #expect(try await redis.store.job(pending.id)?.state == .canceled)
            #expect(try await redis.store.lease(queue: q, count: 5, visibilityMs: 1_000, worker: "w").isEmpty)
            #expect(try await redis.store.status(q).counts == QueueCounts())
            #expect(try await redis.store.cancel(pending.id) == .alreadyFinished(.canceled))
        }
    }

    @Test func activeJobIsCanceledAtItsNextHeartbeat() async throws {
        try await TestRedis.with { redis in
            let new = job()
            _ = try await redis.store.enqueue(new)
            let leased = try #require(try await redis.store.lease(queue: q, count: 1, visibilityMs: 30_000, worker: "w").first)
            #expect(try await redis.store.cancel(new.id) == .cancelRequested)
            #expect(try await redis.store.job(new.id)?.state == .active)
            #expect(try await redis.store.extend(queue: q, [LeaseRef(leased)], visibilityMs: 30_000) == [.canceled])
            #expect(try await redis.store.job(new.id)?.state == .canceled)
            #expect(try await redis.store.complete(queue: q, [Completion(id: leased.id, token: leased.token)]).completed == [false])
        }
    }

    @Test func unknownJobIsNotFound() async throws {
        try await TestRedis.with { redis in
            _ = try await redis.store.enqueue(job())
            #expect(try await redis.store.cancel(JobID.generate()) == .notFound)
        }
    }
}
