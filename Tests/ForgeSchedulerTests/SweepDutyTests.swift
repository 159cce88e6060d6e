import ForgeCore
import ForgeObservability
import ForgeRedis
import ForgeScheduler
import ForgeTestSupport
import Testing

@Suite struct SweepDutyTests {
    let queue = try! QueueName("sweep")

    @Test func promoterMovesDueJobsToReady() async throws {
        try await TestRedis.with { redis in
            let promoter = Promoter(queues: redis.queues, reporter: reporter(ForgeMetrics()))
            let due = try await redis.queues.enqueue(newJob(queue: "sweep", delayMs: 60_000))
            let later = try await redis.queues.enqueue(newJob(queue: "sweep", delayMs: 60_000))
            #expect(try await promoter.promoteOnce() == 0)

            try await redis.makeDue(due.id, in: \.scheduled, queue: queue)
            let moved = try await promoter.promoteOnce()
            #expect(moved == 1)
            let status = try await redis.queues.status(queue)
            #expect(status.counts.pending == 1)
            #expect(status.counts.scheduled == 1)
            let record = try await redis.queues.job(due.id, queue: queue)
            #expect(record?.state == .pending)
            #expect(try await redis.queues.job(later.id, queue: queue)?.state == .scheduled)
        }
    }

    @Test func reclaimerReturnsAnExpiredLeaseAndCountsIt() async throws {
        try await TestRedis.with { redis in
            let metrics = ForgeMetrics()
            let reclaimer = Reclaimer(queues: redis.queues, metrics: metrics, reporter: reporter(metrics))
            let enqueued = try await redis.queues.enqueue(newJob(queue: "sweep"))
            let leased = try await redis.queues.lease(queue: queue, count: 1, visibilityMs: 60_000, worker: "w1")
            #expect(leased.map(\.id) == [enqueued.id])
            #expect(try await reclaimer.reclaimOnce() == 0)

            // The worker "crashed": its lease deadline lies in the past.
            try await redis.makeDue(enqueued.id, in: \.leased, queue: queue)
            #expect(try await reclaimer.reclaimOnce() == 1)
            let status = try await redis.queues.status(queue)
            #expect(status.counts.pending == 1)
            #expect(status.counts.active == 0)
            #expect(metricValue(metrics, #"forge_leases_expired_total{queue="sweep"}"#) == 1)

            // The old token is fenced off: the crashed worker can no longer complete the job.
            let outcome = try await redis.queues.complete(queue: queue, [Completion(id: leased[0].id, token: leased[0].token)])
            #expect(outcome.completed == [false])
        }
    }

    @Test func reclaimerCountsLeasesThatExpireIntoTheDeadSet() async throws {
        try await TestRedis.with { redis in
            let metrics = ForgeMetrics()
            let reclaimer = Reclaimer(queues: redis.queues, metrics: metrics, reporter: reporter(metrics))
            let enqueued = try await redis.queues.enqueue(newJob(queue: "sweep", maxAttempts: 1))
            _ = try await redis.queues.lease(queue: queue, count: 1, visibilityMs: 60_000, worker: "w1")
            try await redis.makeDue(enqueued.id, in: \.leased, queue: queue)
            #expect(try await reclaimer.reclaimOnce() == 1)
            #expect(try await redis.queues.status(queue).counts.dead == 1)
            #expect(metricValue(metrics, #"forge_leases_expired_total{queue="sweep"}"#) == 1)
            #expect(metricValue(metrics, #"forge_jobs_dead_total{queue="sweep"}"#) == 1)
        }
    }

    @Test func queueDepthSamplerExportsAndClearsGauges() async throws {
        try await TestRedis.with { redis in
            let metrics = ForgeMetrics()
            let sampler = QueueDepthSampler(queues: redis.queues, metrics: metrics, reporter: reporter(metrics))
            _ = try await redis.queues.enqueue([newJob(queue: "sweep"), newJob(queue: "sweep"), newJob(queue: "sweep", delayMs: 60_000)])
            try await sampler.sampleOnce()
            #expect(metricValue(metrics, #"forge_queue_jobs{queue="sweep",state="pending"}"#) == 2)
            #expect(metricValue(metrics, #"forge_queue_jobs{queue="sweep",state="scheduled"}"#) == 1)
            #expect(metricValue(metrics, #"forge_queue_jobs{queue="sweep",state="dead"}"#) == 0)
            sampler.clear()
            #expect(metricValue(metrics, #"forge_queue_jobs{queue="sweep",state="pending"}"#) == nil)
        }
    }
}

@Suite struct FailureHandlingTests {
    @Test func dutiesSurviveRedisOutagesAndCountErrors() async throws {
        let metrics = ForgeMetrics()
        let client = RedisClient(configuration: TestRedis.configuration())
        await client.shutdown()
        let promoter = Promoter(queues: QueueStore(redis: client), interval: .milliseconds(10), reporter: reporter(metrics))
        let running = Task { await promoter.run() }
        // The loop keeps retrying (with backoff) and counts each failure; it never crashes.
        // Generous: on a loaded machine (the whole suite in parallel) the second failure came after 5 s.
        #expect(await eventually(timeout: .seconds(20)) { (metricValue(metrics, "forge_redis_errors_total") ?? 0) >= 2 })
        running.cancel()
        await running.value
    }
}
