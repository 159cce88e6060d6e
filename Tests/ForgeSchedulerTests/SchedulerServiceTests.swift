import ForgeCore
import ForgeObservability
import ForgePostgres
import ForgeRedis
import ForgeScheduler
import ForgeTestSupport
import Logging
import ServiceLifecycle
import Testing

@Suite struct SchedulerServiceTests {
    func replica(_ id: String, _ redis: TestRedis, _ postgres: PostgresClient, metrics: ForgeMetrics, readiness: Readiness? = nil) -> SchedulerService
    {
        // A long leader TTL: the hand-over tested here is the graceful release, never an expiry,
        // and a loaded machine may delay a renewal by seconds.
        let configuration = SchedulerConfiguration(
            id: id,
            leaderTTLMs: 10_000,
            promoteInterval: .milliseconds(20),
            reclaimInterval: .milliseconds(20),
            cronInterval: .milliseconds(20),
            archiveIdleInterval: .milliseconds(20),
            depthSampleInterval: .milliseconds(50)
        )
        return SchedulerService(
            configuration: configuration,
            queues: redis.queues,
            schedules: redis.schedules,
            history: HistoryStore(client: postgres),
            metrics: metrics,
            readiness: readiness,
            logger: testLogger
        )
    }

    func group(_ service: SchedulerService) -> ServiceGroup {
        ServiceGroup(configuration: .init(services: [service], logger: testLogger))
    }

    @Test func onlyTheLeaderWorksAndGracefulShutdownHandsOver() async throws {
        try await TestRedis.with { redis in
            try await TestDatabase.withSchema { postgres in
                let queue = try QueueName("svc")
                let metricsA = ForgeMetrics()
                let readinessA = Readiness(checks: [])
                let a = replica("a", redis, postgres, metrics: metricsA, readiness: readinessA)
                let groupA = group(a)
                let runA = Task { try await groupA.run() }
                #expect(await eventually { a.lease.isLeader })

                let b = replica("b", redis, postgres, metrics: ForgeMetrics())
                let groupB = group(b)
                let runB = Task { try await groupB.run() }
                defer { runB.cancel() }

                // The leader's duties run: a due job is promoted and its events archived.
                let enqueued = try await redis.queues.enqueue(newJob(queue: "svc", delayMs: 60_000))
                try await redis.makeDue(enqueued.id, in: \.scheduled, queue: queue)
                let promoted = try await eventually { try await redis.queues.status(queue).counts.pending == 1 }
                #expect(promoted)
                let archived = try await eventually { try await HistoryStore(client: postgres).job(enqueued.id)?.state == .pending }
                #expect(archived)
                #expect(await eventually { metricValue(metricsA, #"forge_queue_jobs{queue="svc",state="pending"}"#) == 1 })
                #expect(!b.lease.isLeader)

                // Graceful shutdown: A drains, releases the lock, and B takes over without waiting
                // for the TTL to expire.
                await groupA.triggerGracefulShutdown()
                try await runA.value
                #expect(readinessA.isDraining)
                #expect(!a.lease.isLeader)
                #expect(metricValue(metricsA, "forge_scheduler_leader") == 0)
                #expect(metricValue(metricsA, #"forge_queue_jobs{queue="svc",state="pending"}"#) == nil)
                #expect(await eventually { b.lease.isLeader })

                await groupB.triggerGracefulShutdown()
                try await runB.value
                let holder = try await redis.client.command(["GET", redis.keys.leader])
                #expect(holder.isNull)
            }
        }
    }
}
