import ForgeCore
import ForgeRedis
import ForgeTestSupport
import Testing

/// The queue registry: every queue holding jobs is in it, within a limit, and an empty queue can
/// leave it with all its keys; a job's queue is found from the job's id.
@Suite struct QueueRegistryTests {
    @Test func newQueueBeyondTheLimitIsRefusedAndKnownQueuesGoOn() async throws {
        try await TestRedis.with { redis in
            _ = try await redis.queues.enqueue(job(queue: "one"), maxQueues: 2)
            _ = try await redis.queues.enqueue(job(queue: "two"), maxQueues: 2)
            let results = try await redis.queues.enqueueEach([job(queue: "three"), job(queue: "one")], maxQueues: 2)
            guard case .failure(let error as QueueError) = results[0] else {
                Issue.record("expected a queue-limit refusal, got \(results[0])")
                return
            }
            #expect(error.code == .queueLimit)
            #expect((try? results[1].get())?.created == true)
            #expect(try await redis.queues.queueNames().map(\.rawValue) == ["one", "two"])
            #expect(try await redis.queues.status(try QueueName("three")).counts == QueueCounts())
            await #expect(throws: QueueError.self) { try await redis.queues.pause(try QueueName("four"), maxQueues: 2) }
        }
    }

    /// A queue can be registered before its first job (a schedule aimed at it), within the limit;
    /// one registered already always can.
    @Test func aQueueIsReservedWithinTheLimit() async throws {
        try await TestRedis.with { redis in
            try await redis.queues.reserve(q, maxQueues: 1)
            try await redis.queues.reserve(q, maxQueues: 1)
            #expect(try await redis.queues.isRegistered(q))
            await #expect(throws: QueueError.self) { try await redis.queues.reserve(try QueueName("other"), maxQueues: 1) }
            #expect(try await redis.queues.queueNames() == [q])
            #expect(try await redis.queues.enqueue(job(queue: "q"), maxQueues: 1).created)
        }
    }

    /// A queue missing from the registry (deleted, or Redis lost the set) is registered again by
    /// its next enqueue, before the job is written.
    @Test func enqueueIntoAnUnregisteredQueueRegistersItFirst() async throws {
        try await TestRedis.with { redis in
            _ = try await redis.queues.enqueue(job(queue: "q"))
            _ = try await redis.client.pipeline([["DEL", redis.keys.queues], ["DEL", redis.keys.queue(q).registered]])
            #expect(try await redis.queues.queueNames().isEmpty)
            let again = try await redis.queues.enqueue(job(queue: "q"))
            #expect(again.created)
            #expect(try await redis.queues.queueNames() == [q])
            #expect(try await redis.queues.status(q).counts.pending == 2)
        }
    }

    /// Scheduler duties already on their way when a queue is deleted (promote, reclaim, trim,
    /// the archiver's read) used to write its `fence` key and recreate its events stream, so a
    /// pause/delete loop grew Redis for good (issue 17, item 11).
    @Test func dutiesOnADeletedQueueLeaveNoKeys() async throws {
        try await TestRedis.with { redis in
            let gone = try QueueName("gone")
            for round in 1...3 {
                try await redis.queues.pause(gone)
                try await redis.queues.resume(gone)
                #expect(try await redis.queues.deleteQueue(gone) == nil)
                let epoch = Int64(round)
                _ = try await redis.queues.promoteDue(gone, epoch: epoch)
                _ = try await redis.queues.reclaimExpired(gone, epoch: epoch)
                _ = try await redis.queues.trimDeadLetters(gone, cap: 1, maxAgeMs: 1, epoch: epoch)
                #expect(try await redis.queues.readEvents(gone, count: 10).isEmpty)
            }
            let left = try await redis.client.command(["KEYS", redis.keys.queue(gone).prefix + "*"])
            #expect(left.array?.compactMap(\.string) == [])
        }
    }

    @Test func emptyQueueIsDeletedWithEveryKeyAndAFullOneStays() async throws {
        try await TestRedis.with { redis in
            let first = try await redis.queues.enqueue(job(queue: "q"))
            let held = try #require(try await redis.queues.deleteQueue(q))
            #expect(held.counts.pending == 1)
            #expect(try await redis.queues.isRegistered(q))
            #expect(try await redis.queues.job(first.id) != nil)

            let leased = try await redis.queues.lease(queue: q, count: 1, visibilityMs: 30_000, worker: "w")
            _ = try await redis.queues.complete(queue: q, leased.map { Completion(id: $0.id, token: $0.token) })
            #expect(try await redis.queues.deleteQueue(q)?.events ?? 0 > 0, "events not archived keep the queue")
            while true {
                let batch = try await redis.queues.readEvents(q, count: 100)
                if batch.isEmpty { break }
                try await redis.queues.acknowledgeEvents(batch)
            }
            #expect(try await redis.queues.deleteQueue(q) == nil)
            #expect(try await !redis.queues.isRegistered(q))
            for key in redis.keys.queue(q).structures {
                #expect(try await redis.client.command(["EXISTS", key]).int == 0, "\(key)")
            }
            #expect(try await redis.client.command(["SMEMBERS", redis.keys.queueTag(q.tag)]).array?.isEmpty == true)
        }
    }

    /// Enqueues racing a delete never leave a job in a queue the registry does not list.
    @Test func enqueueRacingDeleteNeverStrandsAJob() async throws {
        try await TestRedis.with { redis in
            for _ in 0..<30 {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { _ = try await redis.queues.deleteQueue(q) }
                    group.addTask { _ = try await redis.queues.enqueue(job(queue: "q")) }
                    try await group.waitForAll()
                }
                if let waiting = try await redis.client.command(["LINDEX", redis.keys.queue(q).ready(5), "0"]).string {
                    #expect(try await redis.queues.isRegistered(q), "a job sits in a queue the registry does not list")
                    #expect(try await redis.queues.locate(try JobID(waiting)) == q, "its id no longer finds it")
                }
                // Empty it again for the next round.
                let leased = try await redis.queues.lease(queue: q, count: 100, visibilityMs: 30_000, worker: "w")
                _ = try await redis.queues.complete(queue: q, leased.map { Completion(id: $0.id, token: $0.token) })
                while true {
                    let batch = try await redis.queues.readEvents(q, count: 100)
                    if batch.isEmpty { break }
                    try await redis.queues.acknowledgeEvents(batch)
                }
            }
        }
    }

    @Test func jobIsFoundByItsIdInWhicheverQueueItIs() async throws {
        try await TestRedis.with { redis in
            var ids: [(JobID, QueueName)] = []
            for name in ["a", "b", "c", "mail", "reports"] {
                let result = try await redis.queues.enqueue(job(queue: name))
                ids.append((result.id, try QueueName(name)))
            }
            for (id, queue) in ids {
                #expect(try await redis.queues.locate(id) == queue)
                #expect(try await redis.queues.job(id)?.queue == queue)
            }
            #expect(try await redis.queues.locate(.generate()) == nil)
        }
    }

    /// A job created under an Idempotency-Key is not created again by a repeat, even after it
    /// finished and left Redis.
    @Test func idempotentRepeatNeverCreatesTheJobTwice() async throws {
        try await TestRedis.with { redis in
            let first = job(queue: "q")
            let claimed = try await redis.queues.claimIdempotencyKey("d1", fingerprint: "f", ids: [first.id], windowMs: 60_000)
            #expect(claimed == .claimed)
            let repeated = try await redis.queues.claimIdempotencyKey("d1", fingerprint: "g", ids: [JobID.generate()], windowMs: 60_000)
            #expect(repeated == .earlier(fingerprint: "f", ids: [first.id]))

            #expect(try await redis.queues.enqueueEach([first], idempotencyWindowMs: 60_000)[0].get().created)
            _ = try await redis.client.command(["DEL", redis.keys.queue(q).job(first.id)])
            let again = try await redis.queues.enqueueEach([first], idempotencyWindowMs: 60_000)[0].get()
            #expect(!again.created && again.id == first.id)
            #expect(try await redis.queues.status(q).counts.pending == 1)
        }
    }
}
