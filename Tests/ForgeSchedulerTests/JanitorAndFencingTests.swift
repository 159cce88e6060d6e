import ForgeCore
import ForgeObservability
import ForgeRedis
import ForgeScheduler
import ForgeTestSupport
import Testing

/// Dead letters leave Redis past their cap and age; duties of a deposed leader change nothing;
/// failure series exist before the first failure (issue 8, items 9 and 10).
@Suite struct JanitorAndFencingTests {
    let queue = try! QueueName("janitor")

    /// The dead set and the dead jobs' hashes used to grow without bound.
    @Test func deadLettersBeyondTheCapOrAgeLeaveRedis() async throws {
        try await TestRedis.with { redis in
            let jobs = try await redis.queues.enqueue((0..<6).map { _ in newJob(queue: "janitor", maxAttempts: 1) })
            let leased = try await redis.queues.lease(queue: queue, count: 6, visibilityMs: 60_000, worker: "w")
            for (index, lease) in leased.enumerated() {
                _ = try await redis.queues.fail(queue: queue, LeaseRef(lease), error: "no", retryable: false, retryDelayMs: 0)
                // Deaths one second apart, in enqueue order.
                _ = try await redis.client.command([
                    "ZADD", redis.keys.queue(queue).dead, "XX", String(1_000 * (index + 1) + 2_000_000_000_000), lease.id.rawValue,
                ])
            }
            let metrics = ForgeMetrics()
            let janitor = DeadLetterJanitor(
                queues: redis.queues,
                metrics: metrics,
                cap: 4,
                maxAgeMs: 0,
                reporter: reporter(metrics),
                logger: testLogger
            )
            #expect(try await janitor.trimOnce() == 2)
            #expect(try await redis.queues.deadLetters(queue).map(\.id).sorted() == jobs[2...].map(\.id).sorted())
            #expect(try await redis.queues.job(jobs[0].id, queue: queue) == nil)
            let removed = try await redis.queues.readEvents(queue, count: 100).events.filter { $0.kind == .removed }
            #expect(Set(removed.map(\.jobID)) == [jobs[0].id, jobs[1].id])
            #expect(metricValue(metrics, #"forge_dead_letters_trimmed_total{queue="janitor"}"#) == 2)

            // By age: the oldest two of the remaining four died long ago.
            for id in jobs[2...3].map(\.id) {
                _ = try await redis.client.command(["ZADD", redis.keys.queue(queue).dead, "XX", "1000", id.rawValue])
            }
            let byAge = DeadLetterJanitor(
                queues: redis.queues,
                metrics: metrics,
                cap: 0,
                maxAgeMs: 86_400_000,
                reporter: reporter(metrics),
                logger: testLogger
            )
            #expect(try await byAge.trimOnce() == 2)
            #expect(try await redis.queues.deadLetters(queue).map(\.id).sorted() == jobs[4...].map(\.id).sorted())
        }
    }

    /// The leader's fencing epoch was drawn but no duty checked it. Now a queue remembers the
    /// newest epoch that acted on it and refuses older ones.
    @Test func dutiesOfAnOlderLeaderAreRefused() async throws {
        try await TestRedis.with { redis in
            let job = try await redis.queues.enqueue(newJob(queue: "janitor"))
            _ = try await redis.queues.lease(queue: queue, count: 1, visibilityMs: 60_000, worker: "w")
            try await redis.makeDue(job.id, in: \.leased, queue: queue)
            _ = try await redis.queues.promoteDue(queue, epoch: 7)
            await #expect(throws: QueueError.self) { _ = try await redis.queues.reclaimExpired(queue, epoch: 6) }
            await #expect(throws: QueueError.self) { _ = try await redis.queues.promoteDue(queue, epoch: 5) }
            await #expect(throws: QueueError.self) {
                _ = try await redis.queues.trimDeadLetters(queue, cap: 1, maxAgeMs: 0, epoch: 6)
            }
            #expect(try await redis.queues.job(job.id, queue: queue)?.state == .active)
            #expect(try await redis.queues.reclaimExpired(queue, epoch: 8).moved == 1)

            let metrics = ForgeMetrics()
            let stale = Reclaimer(queues: redis.queues, metrics: metrics, epoch: { 3 }, reporter: reporter(metrics))
            await #expect(throws: QueueError.self) { try await stale.reclaimOnce(everyQueue: true) }
        }
    }

    /// Per-queue failure counters used to appear only after the first failure, so alerts on
    /// `increase()` missed it. The leader's sampler creates them at 0 for every known queue.
    @Test func failureCountersOfKnownQueuesStartAtZero() async throws {
        try await TestRedis.with { redis in
            _ = try await redis.queues.enqueue(newJob(queue: "janitor"))
            let metrics = ForgeMetrics()
            #expect(metricValue(metrics, #"forge_leases_expired_total{queue="janitor"}"#) == nil)
            let sampler = QueueDepthSampler(queues: redis.queues, metrics: metrics, reporter: reporter(metrics))
            _ = try await sampler.sampleOnce()
            for series in ["forge_leases_expired_total", "forge_jobs_dead_total", "forge_history_quarantined_total"] {
                #expect(metricValue(metrics, series + #"{queue="janitor"}"#) == 0, "\(series)")
            }
        }
    }

    /// Cron and retention use Redis `TIME`, the clock every replica shares.
    @Test func serverTimeIsRedisTime() async throws {
        try await TestRedis.with { redis in
            func time() async throws -> Int64 {
                let reply = try await redis.client.command(["TIME"]).array ?? []
                return (reply[0].int ?? 0) * 1000 + (reply[1].int ?? 0) / 1000
            }
            let before = try await time()
            let now = try await redis.queues.serverTime()
            let after = try await time()
            #expect(before <= now && now <= after)
        }
    }
}
