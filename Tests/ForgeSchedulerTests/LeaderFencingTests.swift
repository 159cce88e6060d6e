import ForgeCore
import ForgeObservability
import ForgeRedis
import ForgeScheduler
import ForgeTestSupport
import Testing

/// The leader's epoch and the duties it fences (issue 17, item 3): the epoch comes with the lock,
/// keeps growing whatever happened to its counter, no duty runs without it, and one queue's
/// failure does not skip the others.
@Suite struct LeaderFencingTests {
    func lease(_ redis: TestRedis, _ id: String) -> LeaderLease {
        LeaderLease(redis: redis.client, keys: redis.keys, id: id, ttlMs: 60_000, logger: testLogger)
    }

    /// Redis came back without the epoch counter (empty, or from an older snapshot) while the
    /// queues kept the fences of the old leader: the new leader used to draw 1, 2, … and be
    /// refused (`FENCED`) on every queue the old one had touched, so nothing was promoted.
    @Test func aNewLeaderIsNeverFencedOutWhenTheEpochCounterWasLost() async throws {
        try await TestRedis.with { redis in
            let queue = try QueueName("fenced")
            let a = lease(redis, "a")
            for _ in 0..<3 {
                await a.refresh()
                await a.release()
            }
            await a.refresh()
            let old = try #require(a.epoch)
            _ = try await redis.queues.promoteDue(queue, epoch: old)
            let job = try await redis.queues.enqueue(newJob(queue: "fenced", delayMs: 60_000))
            try await redis.makeDue(job.id, in: \.scheduled, queue: queue)
            await a.release()

            _ = try await redis.client.command(["DEL", redis.keys.leaderEpoch])
            try await Task.sleep(for: .milliseconds(5))  // Redis TIME moves on, as it does between leaders
            let b = lease(redis, "b")
            await b.refresh()
            let new = try #require(b.epoch)
            #expect(new > old)
            let promoter = Promoter(queues: redis.queues, epoch: { try b.currentEpoch() }, reporter: reporter(ForgeMetrics()))
            #expect(try await promoter.promoteOnce() == 1)
        }
    }

    /// After a step-down the epoch is gone; a duty pass that starts then used to run unfenced.
    @Test func noDutyRunsAfterAStepDown() async throws {
        try await TestRedis.with { redis in
            let queue = try QueueName("stepped")
            let job = try await redis.queues.enqueue(newJob(queue: "stepped", delayMs: 60_000))
            try await redis.makeDue(job.id, in: \.scheduled, queue: queue)
            let a = lease(redis, "a")
            await a.refresh()
            #expect(a.isLeader)
            let promoter = Promoter(queues: redis.queues, epoch: { try a.currentEpoch() }, reporter: reporter(ForgeMetrics()))
            // The lock is lost (expired while A stalled) and A notices at its next renew.
            _ = try await redis.client.command(["DEL", redis.keys.leader])
            await a.refresh()
            #expect(!a.isLeader)
            await #expect(throws: NotLeading.self) { try await promoter.promoteOnce() }
            #expect(try await redis.queues.job(job.id, queue: queue)?.state == .scheduled)
        }
    }

    /// The epoch and the lock share a slot (one script takes both on a cluster too).
    @Test func theEpochLivesInTheLocksSlot() {
        let keys = KeySpace(namespace: "forge")
        #expect(keys.leaderEpoch == "forge:{forge:leader}:epoch")
        #expect(keys.leader == "forge:leader")
    }

    /// A queue whose script fails (here its retry set is not a sorted set) used to end the pass,
    /// so queues after it were never promoted, reclaimed or trimmed.
    @Test func oneBrokenQueueDoesNotSkipTheOthers() async throws {
        try await TestRedis.with { redis in
            let broken = try QueueName("a-broken")
            let good = try QueueName("b-good")
            let delayed = try await redis.queues.enqueue(newJob(queue: "b-good", delayMs: 60_000))
            try await redis.makeDue(delayed.id, in: \.scheduled, queue: good)
            let leasedJob = try await redis.queues.enqueue(newJob(queue: "b-good"))
            _ = try await redis.queues.lease(queue: good, count: 1, visibilityMs: 60_000, worker: "w")
            try await redis.makeDue(leasedJob.id, in: \.leased, queue: good)
            _ = try await redis.queues.enqueue(newJob(queue: "a-broken"))
            let brokenKeys = redis.keys.queue(broken)
            for key in [brokenKeys.retry, brokenKeys.leased, brokenKeys.dead] {
                _ = try await redis.client.command(["SET", key, "not a sorted set"])
            }
            #expect(try await redis.queues.queueNames() == [broken, good])

            let metrics = ForgeMetrics()
            let promoter = Promoter(queues: redis.queues, reporter: reporter(metrics))
            // Full passes: the broken queue is in no index (nothing of it is due), yet a full
            // pass must visit it and go on past it.
            #expect(try await promoter.promoteOnce(everyQueue: true) == 1)
            let reclaimer = Reclaimer(queues: redis.queues, metrics: metrics, reporter: reporter(metrics))
            #expect(try await reclaimer.reclaimOnce(everyQueue: true) == 1)
            #expect(try await redis.queues.job(leasedJob.id, queue: good)?.state == .pending)
            #expect((metricValue(metrics, "forge_redis_errors_total") ?? 0) >= 2, "the broken queue is reported")

            // Every queue failing is an outage: the pass fails, so the duty loop backs off.
            _ = try await redis.client.command(["SET", redis.keys.queue(good).retry, "not a sorted set"])
            await #expect(throws: (any Error).self) { try await promoter.promoteOnce(everyQueue: true) }
        }
    }
}
