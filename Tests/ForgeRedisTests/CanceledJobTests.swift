import ForgeCore
import ForgeRedis
import ForgeTestSupport
import Testing

/// A job canceled while it ran must never run again (issue 8, item 5).
@Suite struct CanceledJobTests {
    /// Fail used to ignore the cancel flag: the job went to retrying and ran again.
    @Test func jobCanceledWhileRunningThatThenFailsIsCanceledNotRetried() async throws {
        try await TestRedis.with { redis in
            let new = job(maxAttempts: 5)
            _ = try await redis.queues.enqueue(new)
            let leased = try #require(try await redis.queues.lease(queue: q, count: 1, visibilityMs: 30_000, worker: "w").first)
            #expect(try await redis.queues.cancel(new.id) == .cancelRequested)
            let outcome = try await redis.queues.fail(queue: q, LeaseRef(leased), error: "boom", retryable: true, retryDelayMs: 0)
            #expect(outcome == .canceled)
            let record = try #require(try await redis.queues.job(new.id))
            #expect(record.state == .canceled)
            #expect(record.lastError == "boom")
            #expect(try await redis.queues.status(q).counts == QueueCounts())
            #expect(try await redis.queues.promoteDue(q).moved == 0)
            #expect(try await redis.queues.lease(queue: q, count: 1, visibilityMs: 30_000, worker: "w").isEmpty)
        }
    }

    /// A pending job that still carries a cancel request (left by an older version, or any path
    /// that missed it) is canceled when it would be leased, not handed to a worker.
    @Test func pendingJobWithACancelRequestIsCanceledInsteadOfLeased() async throws {
        try await TestRedis.with { redis in
            let flagged = job()
            let plain = job()
            _ = try await redis.queues.enqueue([flagged, plain])
            _ = try await redis.client.command(["HSET", redis.keys.queue(q).job(flagged.id), "cancel", "1"])
            let leased = try await redis.queues.lease(queue: q, count: 5, visibilityMs: 30_000, worker: "w")
            #expect(leased.map(\.id) == [plain.id])
            #expect(try await redis.queues.job(flagged.id)?.state == .canceled)
            let ttl = try await redis.client.command(["PTTL", redis.keys.queue(q).job(flagged.id)]).int ?? -1
            #expect(ttl > 0)
        }
    }

    /// A dead letter revived by hand runs again, even if a cancel request of its earlier run was left.
    @Test func revivedDeadJobForgetsAnOldCancelRequest() async throws {
        try await TestRedis.with { redis in
            let new = job(maxAttempts: 1)
            _ = try await redis.queues.enqueue(new)
            let leased = try #require(try await redis.queues.lease(queue: q, count: 1, visibilityMs: 30_000, worker: "w").first)
            #expect(try await redis.queues.fail(queue: q, LeaseRef(leased), error: "x", retryable: false, retryDelayMs: 0) == .dead)
            _ = try await redis.client.command(["HSET", redis.keys.queue(q).job(new.id), "cancel", "1"])
            #expect(try await redis.queues.reviveDead(new.id, queue: q))
            let again = try #require(try await redis.queues.lease(queue: q, count: 1, visibilityMs: 30_000, worker: "w").first)
            #expect(again.id == new.id)
            #expect(try await redis.client.command(["HGET", redis.keys.queue(q).job(new.id), "cancel"]).isNull)
            #expect(try await redis.queues.complete(queue: q, [Completion(id: again.id, token: again.token)]).completed == [true])
        }
    }
}
