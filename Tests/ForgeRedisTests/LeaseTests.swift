import ForgeCore
import ForgeRedis
import ForgeTestSupport
import Testing

@Suite struct LeaseTests {
    @Test func leasesHighestPriorityFirstThenFIFO() async throws {
        try await TestRedis.with { redis in
            let low1 = job(priority: 1)
            let high1 = job(priority: 9)
            let mid = job(priority: 5)
            let low2 = job(priority: 1)
            let high2 = job(priority: 9)
            _ = try await redis.queues.enqueue([low1, high1, mid])
            _ = try await redis.queues.enqueue([low2, high2])
            let leased = try await redis.queues.lease(queue: q, count: 10, visibilityMs: 30_000, worker: "w")
            #expect(leased.map(\.id) == [high1.id, high2.id, mid.id, low1.id, low2.id])
        }
    }

    @Test func leaseCarriesWhatTheWorkerNeeds() async throws {
        try await TestRedis.with { redis in
            let new = try NewJob(
                queue: "q",
                type: "email.send",
                payload: #"{"to":"a@b.c"}"#,
                priority: 7,
                maxAttempts: 3,
                timeoutMs: 1234,
                backoff: Backoff(baseMs: 10, capMs: 100)
            )
            _ = try await redis.queues.enqueue(new)
            let leased = try #require(try await redis.queues.lease(queue: q, count: 1, visibilityMs: 5_000, worker: "w").first)
            #expect(leased.id == new.id)
            #expect(leased.type == "email.send")
            #expect(leased.payload == #"{"to":"a@b.c"}"#)
            #expect(leased.priority == 7)
            #expect(leased.attempts == 1)
            #expect(leased.maxAttempts == 3)
            #expect(leased.timeoutMs == 1234)
            #expect(leased.backoff == (try Backoff(baseMs: 10, capMs: 100)))
            #expect(leased.deadlineMs - leased.leasedAtMs == 5_000)
            let stored = try #require(try await redis.queues.job(new.id))
            #expect(stored.state == .active)
            #expect(stored.attempts == 1)
        }
    }

    @Test func delayedJobIsNotLeasedBeforeItsTime() async throws {
        try await TestRedis.with { redis in
            let later = job(delayMs: 3_600_000)
            let soon = job(delayMs: 3_600_000)
            let results = try await redis.queues.enqueue([later, soon])
            #expect(results.map(\.state) == [.scheduled, .scheduled])
            #expect(try await redis.queues.lease(queue: q, count: 10, visibilityMs: 1_000, worker: "w").isEmpty)
            let early = try await redis.queues.promoteDue(q)
            #expect(early.moved == 0)
            #expect(early.nextDueMs != nil)
            try await redis.makeDue(soon.id, in: \.scheduled)
            let due = try await redis.queues.promoteDue(q)
            #expect(due.moved == 1)
            let leased = try await redis.queues.lease(queue: q, count: 10, visibilityMs: 1_000, worker: "w")
            #expect(leased.map(\.id) == [soon.id])
        }
    }

    @Test func expiredLeaseReturnsJobToReadyAndFencesOutTheOldOwner() async throws {
        try await TestRedis.with { redis in
            let new = job()
            _ = try await redis.queues.enqueue(new)
            let first = try #require(try await redis.queues.lease(queue: q, count: 1, visibilityMs: 60_000, worker: "a").first)
            #expect(try await redis.queues.reclaimExpired(q).moved == 0)
            try await redis.makeDue(first.id, in: \.leased)
            let sweep = try await redis.queues.reclaimExpired(q)
            #expect(sweep.moved == 1)
            let second = try #require(try await redis.queues.lease(queue: q, count: 1, visibilityMs: 30_000, worker: "b").first)
            #expect(second.id == new.id)
            #expect(second.attempts == 2)
            #expect(second.token != first.token)
            let stale = try await redis.queues.complete(queue: q, [Completion(id: first.id, token: first.token)])
            #expect(stale.completed == [false])
            let fresh = try await redis.queues.complete(queue: q, [Completion(id: second.id, token: second.token)])
            #expect(fresh.completed == [true])
            #expect(try await redis.queues.job(new.id)?.state == .completed)
        }
    }

    @Test func expiredLeaseOnLastAttemptGoesToDeadLetters() async throws {
        try await TestRedis.with { redis in
            let new = job(maxAttempts: 1)
            _ = try await redis.queues.enqueue(new)
            _ = try await redis.queues.lease(queue: q, count: 1, visibilityMs: 60_000, worker: "a")
            try await redis.makeDue(new.id, in: \.leased)
            let sweep = try await redis.queues.reclaimExpired(q)
            #expect(sweep.died == 1)
            let dead = try #require(try await redis.queues.job(new.id))
            #expect(dead.state == .dead)
            #expect(dead.lastError == "lease expired")
        }
    }

    @Test func staleTokenCannotAckExtendOrFail() async throws {
        try await TestRedis.with { redis in
            _ = try await redis.queues.enqueue(job())
            let leased = try #require(try await redis.queues.lease(queue: q, count: 1, visibilityMs: 30_000, worker: "w").first)
            let forged = LeaseRef(id: leased.id, token: LeaseToken("999999"))
            #expect(try await redis.queues.extend(queue: q, [forged], visibilityMs: 1_000) == [.stale])
            #expect(try await redis.queues.fail(queue: q, forged, error: "x", retryable: true, retryDelayMs: 0) == .stale)
            #expect(try await redis.queues.complete(queue: q, [Completion(id: leased.id, token: forged.token)]).completed == [false])
            let record = try #require(try await redis.queues.job(leased.id))
            #expect(record.state == .active)
            #expect(try await redis.queues.status(q).counts.active == 1)
        }
    }

    @Test func heartbeatExtendsTheDeadline() async throws {
        try await TestRedis.with { redis in
            _ = try await redis.queues.enqueue(job())
            let leased = try #require(try await redis.queues.lease(queue: q, count: 1, visibilityMs: 1_000, worker: "w").first)
            let outcome = try await redis.queues.extend(queue: q, [LeaseRef(leased)], visibilityMs: 600_000)
            guard case .extended(let deadline) = outcome.first else {
                Issue.record("expected extended, got \(outcome)")
                return
            }
            #expect(deadline >= leased.deadlineMs + 599_000)
            let score = try await redis.client.command(["ZSCORE", redis.keys.queue(q).leased, leased.id.rawValue])
            #expect(score.int == deadline)
        }
    }

    @Test func pausedQueueLeasesNothingUntilResumed() async throws {
        try await TestRedis.with { redis in
            _ = try await redis.queues.enqueue([job(), job()])
            try await redis.queues.pause(q)
            #expect(try await redis.queues.status(q).paused)
            #expect(try await redis.queues.lease(queue: q, count: 5, visibilityMs: 1_000, worker: "w").isEmpty)
            try await redis.queues.resume(q)
            #expect(try await redis.queues.lease(queue: q, count: 5, visibilityMs: 1_000, worker: "w").count == 2)
        }
    }

    @Test func idleWaiterWakesWhenAJobArrives() async throws {
        try await TestRedis.with { redis in
            let listener = WakeListener(client: redis.queues.redis, keys: redis.keys)
            let other = try QueueName("other")
            async let woke = listener.wait(for: [other, q], timeoutMs: 5_000)
            try await sleep(ms: 100)
            _ = try await redis.queues.enqueue(job())
            #expect(try await woke == q)
            #expect(try await listener.wait(for: [other], timeoutMs: 50) == nil)
            await listener.shutdown()
        }
    }
}

@Suite struct ReleaseTests {
    @Test func releasedLeaseIsReadyAtOnceWithoutSpendingAnAttempt() async throws {
        try await TestRedis.with { redis in
            let new = job()
            _ = try await redis.queues.enqueue(new)
            let first = try #require(try await redis.queues.lease(queue: q, count: 1, visibilityMs: 60_000, worker: "a").first)
            #expect(try await redis.queues.release(queue: q, [LeaseRef(first)]) == 1)
            // Fenced: releasing again with the old token does nothing.
            #expect(try await redis.queues.release(queue: q, [LeaseRef(first)]) == 0)
            let second = try #require(try await redis.queues.lease(queue: q, count: 1, visibilityMs: 60_000, worker: "b").first)
            #expect(second.id == new.id)
            #expect(second.attempts == 1)
            #expect(try await redis.queues.complete(queue: q, [Completion(id: first.id, token: first.token)]).completed == [false])
        }
    }
}
