import ForgeCore
import ForgeRedis
import ForgeTestSupport
import Testing

@Suite struct FailureTests {
    @Test func retriesWaitForTheirBackoffThenEndInTheDeadLetterSet() async throws {
        try await TestRedis.with { redis in
            let new = job(maxAttempts: 3)
            _ = try await redis.queues.enqueue(new)
            for attempt in 1...3 {
                let leased = try #require(try await redis.queues.lease(queue: q, count: 1, visibilityMs: 30_000, worker: "w").first)
                #expect(leased.attempts == attempt)
                let outcome = try await redis.queues.fail(
                    queue: q,
                    LeaseRef(leased),
                    error: "boom \(attempt)",
                    retryable: true,
                    retryDelayMs: 3_600_000
                )
                if attempt < 3 {
                    guard case .retrying(let at) = outcome else {
                        Issue.record("attempt \(attempt): expected retrying, got \(outcome)")
                        return
                    }
                    #expect(at - leased.leasedAtMs >= 3_600_000)
                    #expect(try await redis.queues.job(new.id)?.state == .retrying)
                    // Not due yet: the backoff delay holds it back.
                    #expect(try await redis.queues.promoteDue(q).moved == 0)
                    #expect(try await redis.queues.lease(queue: q, count: 1, visibilityMs: 1_000, worker: "w").isEmpty)
                    try await redis.makeDue(new.id, in: \.retry)
                    #expect(try await redis.queues.promoteDue(q).moved == 1)
                } else {
                    #expect(outcome == .dead)
                }
            }
            let dead = try #require(try await redis.queues.job(new.id))
            #expect(dead.state == .dead)
            #expect(dead.lastError == "boom 3")
            #expect(dead.finishedAtMs != nil)
            #expect(try await redis.queues.deadLetters(q).map(\.id) == [new.id])
            #expect(try await redis.queues.status(q).counts.dead == 1)
        }
    }

    @Test func nonRetryableFailureGoesStraightToDeadLetters() async throws {
        try await TestRedis.with { redis in
            _ = try await redis.queues.enqueue(job(maxAttempts: 10))
            let leased = try #require(try await redis.queues.lease(queue: q, count: 1, visibilityMs: 30_000, worker: "w").first)
            let outcome = try await redis.queues.fail(queue: q, LeaseRef(leased), error: "400", retryable: false, retryDelayMs: 0)
            #expect(outcome == .dead)
            #expect(try await redis.queues.status(q).counts == QueueCounts(dead: 1))
        }
    }

    @Test func deadLetterRetryStartsAFreshSetOfAttempts() async throws {
        try await TestRedis.with { redis in
            let new = job(maxAttempts: 1)
            _ = try await redis.queues.enqueue(new)
            let leased = try #require(try await redis.queues.lease(queue: q, count: 1, visibilityMs: 30_000, worker: "w").first)
            _ = try await redis.queues.fail(queue: q, LeaseRef(leased), error: "x", retryable: true, retryDelayMs: 0)
            #expect(try await redis.queues.reviveDead(new.id, queue: q))
            #expect(try await redis.queues.reviveDead(new.id, queue: q) == false)
            let again = try #require(try await redis.queues.lease(queue: q, count: 1, visibilityMs: 30_000, worker: "w").first)
            #expect(again.id == new.id)
            #expect(again.attempts == 1)
            #expect(try await redis.queues.complete(queue: q, [Completion(id: again.id, token: again.token)]).completed == [true])
        }
    }

    @Test func deadLetterDeleteRemovesTheJob() async throws {
        try await TestRedis.with { redis in
            let new = job(maxAttempts: 1)
            _ = try await redis.queues.enqueue(new)
            let leased = try #require(try await redis.queues.lease(queue: q, count: 1, visibilityMs: 30_000, worker: "w").first)
            _ = try await redis.queues.fail(queue: q, LeaseRef(leased), error: "x", retryable: false, retryDelayMs: 0)
            #expect(try await redis.queues.removeDead(new.id, queue: q))
            #expect(try await redis.queues.job(new.id) == nil)
            #expect(try await redis.queues.deadLetters(q).isEmpty)
            #expect(try await redis.queues.removeDead(new.id, queue: q) == false)
        }
    }
}

@Suite struct CancelTests {
    @Test func waitingJobsAreCanceledAtOnce() async throws {
        try await TestRedis.with { redis in
            let pending = job()
            let scheduled = job(delayMs: 60_000)
            _ = try await redis.queues.enqueue([pending, scheduled])
            #expect(try await redis.queues.cancel(pending.id) == .canceled)
            #expect(try await redis.queues.cancel(scheduled.id) == .canceled)
            #expect(try await redis.queues.job(pending.id)?.state == .canceled)
            #expect(try await redis.queues.lease(queue: q, count: 5, visibilityMs: 1_000, worker: "w").isEmpty)
            #expect(try await redis.queues.status(q).counts == QueueCounts())
            #expect(try await redis.queues.cancel(pending.id) == .alreadyFinished(.canceled))
        }
    }

    @Test func activeJobIsCanceledAtItsNextHeartbeat() async throws {
        try await TestRedis.with { redis in
            let new = job()
            _ = try await redis.queues.enqueue(new)
            let leased = try #require(try await redis.queues.lease(queue: q, count: 1, visibilityMs: 30_000, worker: "w").first)
            #expect(try await redis.queues.cancel(new.id) == .cancelRequested)
            #expect(try await redis.queues.job(new.id)?.state == .active)
            #expect(try await redis.queues.extend(queue: q, [LeaseRef(leased)], visibilityMs: 30_000) == [.canceled])
            #expect(try await redis.queues.job(new.id)?.state == .canceled)
            #expect(try await redis.queues.complete(queue: q, [Completion(id: leased.id, token: leased.token)]).completed == [false])
        }
    }

    @Test func unknownJobIsNotFound() async throws {
        try await TestRedis.with { redis in
            _ = try await redis.queues.enqueue(job())
            #expect(try await redis.queues.cancel(JobID.generate()) == .notFound)
        }
    }
}
