import ForgeCore
import ForgeRedis
import ForgeTestSupport
import Testing

/// The namespace's due and unarchived indexes, which the leader's duties read instead of visiting
/// every queue on a timer (issue 16, item 5): every script that gives a queue work for the
/// leader must say so there, or that work waits for the next full sweep. (A Redis Cluster keeps
/// no such indexes: the leader visits every queue there.)
@Suite(.disabled(if: TestRedis.isCluster, "a Redis Cluster keeps no namespace indexes")) struct LeaderIndexTests {
    private func dueScore(_ redis: TestRedis, _ queue: QueueName = q) async throws -> Int64? {
        try await redis.client.command(["ZSCORE", redis.keys.due, queue.rawValue]).string.flatMap { Int64($0) }
    }

    private func isUnarchived(_ redis: TestRedis, _ queue: QueueName = q) async throws -> Bool {
        try await redis.client.command(["SISMEMBER", redis.keys.unarchived, queue.rawValue]).int == 1
    }

    @Test func aDelayedJobMakesItsQueueDueAtItsTime() async throws {
        try await TestRedis.with { redis in
            _ = try await redis.queues.enqueue(job())
            #expect(try await dueScore(redis) == nil, "a pending job gives the leader nothing to do")
            let later = job(delayMs: 3_600_000)
            let sooner = job(delayMs: 600_000)
            _ = try await redis.queues.enqueue([later, sooner])
            let now = try await redis.queues.serverTime()
            let score = try #require(try await dueScore(redis))
            #expect((now + 590_000)...(now + 600_000) ~= score, "the sooner job's time")
            _ = try await redis.queues.enqueue(job(delayMs: 3_600_000))
            #expect(try await dueScore(redis) == score, "a later job never moves it later")
            #expect(try await redis.queues.dueQueues().isEmpty)
            try await redis.makeDue(sooner.id, in: \.scheduled)
            #expect(try await redis.queues.dueQueues() == [q])
        }
    }

    @Test func theIndexSaysHowLongUntilTheNextQueueComesDue() async throws {
        try await TestRedis.with { redis in
            #expect(try await redis.queues.due() == DueQueues(queues: [], nextIn: nil), "nothing delayed: no time")
            let delayed = job(delayMs: 600_000)
            _ = try await redis.queues.enqueue(delayed)
            let waiting = try await redis.queues.due()
            #expect(waiting.queues.isEmpty)
            let nextIn = try #require(waiting.nextIn)
            #expect(.seconds(590)...(.seconds(600)) ~= nextIn, "the delayed job's time")
            try await redis.makeDue(delayed.id, in: \.scheduled)
            #expect(try await redis.queues.due() == DueQueues(queues: [q], nextIn: nil), "due now, and nothing after it")
        }
    }

    @Test func leasesAndRetriesLowerItAndPromoteOrReclaimSetItExactly() async throws {
        try await TestRedis.with { redis in
            _ = try await redis.queues.enqueue([job(), job()])
            let leased = try await redis.queues.lease(queue: q, count: 2, visibilityMs: 60_000, worker: "w")
            let deadline = try #require(try await dueScore(redis))
            #expect(deadline == leased[0].deadlineMs)

            _ = try await redis.queues.fail(queue: q, LeaseRef(leased[0]), error: "x", retryable: true, retryDelayMs: 5_000)
            let retry = try #require(try await dueScore(redis))
            #expect(retry < deadline, "the retry comes before the other lease's deadline")

            // Nothing is due yet: a promote leaves the entry at the earliest remaining time.
            #expect(try await redis.queues.promoteDue(q).moved == 0)
            #expect(try await dueScore(redis) == retry)
            _ = try await redis.queues.complete(queue: q, [Completion(id: leased[1].id, token: leased[1].token)])
            try await redis.makeDue(leased[0].id, in: \.retry)
            #expect(try await redis.queues.promoteDue(q).moved == 1)
            #expect(try await dueScore(redis) == nil, "nothing scheduled, retrying or leased is left")

            let again = try #require(try await redis.queues.lease(queue: q, count: 1, visibilityMs: 60_000, worker: "w").first)
            try await redis.makeDue(again.id, in: \.leased)
            #expect(try await redis.queues.reclaimExpired(q).moved == 1)
            #expect(try await dueScore(redis) == nil)
        }
    }

    @Test func theLastAckOfAQuietQueueTakesItOutOfTheIndex() async throws {
        try await TestRedis.with { redis in
            _ = try await redis.queues.enqueue([job(), job()])
            let leased = try await redis.queues.lease(queue: q, count: 2, visibilityMs: 60_000, worker: "w")
            _ = try await redis.queues.complete(queue: q, [Completion(id: leased[0].id, token: leased[0].token)])
            #expect(try await dueScore(redis) != nil, "a lease is still out")
            _ = try await redis.queues.complete(queue: q, [Completion(id: leased[1].id, token: leased[1].token)])
            #expect(try await dueScore(redis) == nil, "no visit at a deadline nobody holds")
        }
    }

    @Test func aQueueIsUnarchivedFromItsFirstEventUntilItsStreamIsEmpty() async throws {
        try await TestRedis.with { redis in
            #expect(try await redis.queues.unarchivedQueues().isEmpty)
            _ = try await redis.queues.enqueue([job(), job(queue: "other")])
            #expect(try await redis.queues.unarchivedQueues().map(\.rawValue) == ["other", "q"])

            let first = try await redis.queues.readEvents(q, count: 100)
            _ = try await redis.queues.enqueue(job())  // written after the read: not in `first`
            try await redis.queues.acknowledgeEvents(first)
            #expect(try await isUnarchived(redis), "an event the archiver has not read keeps the queue listed")
            let rest = try await redis.queues.readEvents(q, count: 100)
            try await redis.queues.acknowledgeEvents(rest)
            #expect(try await !isUnarchived(redis))
            #expect(try await redis.queues.unarchivedQueues().map(\.rawValue) == ["other"])
        }
    }

    @Test func deletingAQueueTakesItOutOfBothIndexes() async throws {
        try await TestRedis.with { redis in
            let queue = try QueueName("gone")
            let delayed = job(queue: "gone", delayMs: 60_000)
            _ = try await redis.queues.enqueue(delayed)
            #expect(try await redis.queues.cancel(delayed.id) == .canceled)
            try await redis.queues.acknowledgeEvents(try await redis.queues.readEvents(queue, count: 100))
            // A stale entry: the job left `scheduled` without the index being told.
            #expect(try await dueScore(redis, queue) != nil)
            _ = try await redis.client.command(["SADD", redis.keys.unarchived, queue.rawValue])
            #expect(try await redis.queues.deleteQueue(queue) == nil)
            #expect(try await dueScore(redis, queue) == nil)
            #expect(try await !isUnarchived(redis, queue))
        }
    }
}
