import ForgeCore
import ForgeRedis
import ForgeTestSupport
import Testing

/// Redis memory follows the jobs in flight, not the throughput (issue 16, item 6): a finished
/// job stays in Redis until history has it, then only `finishedRetentionMs` more.
@Suite struct FinishedRetentionTests {
    private func ttl(_ redis: TestRedis, _ id: JobID) async throws -> Int64 {
        try #require(try await redis.client.command(["PTTL", redis.keys.queue(q).job(id)]).int)
    }

    /// What the archiver does once Postgres has committed the queue's events.
    private func archiveEverything(_ redis: TestRedis) async throws {
        let batch = try await redis.queues.readEvents(q, count: 1_000)
        try await redis.queues.acknowledgeEvents(batch)
        #expect(try await redis.queues.eventBacklog(q) == 0)
    }

    @Test func aFinishedJobStaysUntilHistoryHasItThenLeavesSoon() async throws {
        try await TestRedis.with(finishedRetentionMs: 60_000) { redis in
            let completed = job()
            let canceled = job()
            let waiting = job()
            _ = try await redis.queues.enqueue([completed, canceled, waiting])
            #expect(try await redis.queues.cancel(canceled.id) == .canceled)
            let leased = try #require(try await redis.queues.lease(queue: q, count: 1, visibilityMs: 30_000, worker: "w").first)
            #expect(leased.id == completed.id)
            _ = try await redis.queues.complete(queue: q, [Completion(id: leased.id, token: leased.token, result: "42")])

            // Not archived yet: far longer than the finished TTL, so an outage of Postgres hides nothing.
            #expect(try await ttl(redis, completed.id) > 3_600_000)
            #expect(try await ttl(redis, canceled.id) > 3_600_000)

            try await archiveEverything(redis)
            #expect((1...60_000).contains(try await ttl(redis, completed.id)))
            #expect((1...60_000).contains(try await ttl(redis, canceled.id)))
            // The job still waiting had events in the same batch: it must not expire.
            #expect(try await ttl(redis, waiting.id) == -1)
            #expect(try await redis.queues.job(completed.id)?.result == "42")
        }
    }

    /// A batch replayed after the job moved on (the archiver died between writing and
    /// acknowledging) never gives an expiry to a job that is not finished: a dead letter keeps
    /// none, even when the batch says it completed.
    @Test func aReplayedBatchLeavesAJobThatLivesOnAlone() async throws {
        try await TestRedis.with(finishedRetentionMs: 60_000) { redis in
            let new = job(maxAttempts: 1)
            _ = try await redis.queues.enqueue(new)
            let leased = try #require(try await redis.queues.lease(queue: q, count: 1, visibilityMs: 30_000, worker: "w").first)
            #expect(try await redis.queues.fail(queue: q, LeaseRef(leased), error: "boom", retryable: true, retryDelayMs: 0) == .dead)
            // A forged `completed` event for it in the batch, as a replay of an older one would be.
            var batch = try await redis.queues.readEvents(q, count: 1_000)
            let template = try #require(batch.events.first)
            var forged = template
            forged.kind = .completed
            batch.events.append(forged)
            try await redis.queues.acknowledgeEvents(batch)
            #expect(try await ttl(redis, new.id) == -1)
        }
    }
}
