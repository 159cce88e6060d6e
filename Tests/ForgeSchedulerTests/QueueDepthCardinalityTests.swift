import ForgeCore
import ForgeObservability
import ForgeRedis
import ForgeScheduler
import ForgeTestSupport
import Testing

/// Queue names come from callers: the leader's depth gauges keep their label set bounded.
@Suite struct QueueDepthCardinalityTests {
    @Test func queuesPastTheLabelLimitAreSummedUnderOtherAndDeletedQueuesLeave() async throws {
        try await TestRedis.with { redis in
            for queue in ["qa", "qb", "qc", "qd"] {
                _ = try await redis.queues.enqueue([newJob(queue: queue), newJob(queue: queue)])
            }
            let metrics = ForgeMetrics(labelLimits: .init(queue: 2, type: 2))
            let sampler = QueueDepthSampler(queues: redis.queues, metrics: metrics, reporter: reporter(metrics))
            _ = try await sampler.sampleOnce()
            #expect(metricValue(metrics, #"forge_queue_jobs{queue="qa",state="pending"}"#) == 2)
            #expect(metricValue(metrics, #"forge_queue_jobs{queue="qb",state="pending"}"#) == 2)
            // qc and qd share one series holding both their counts.
            #expect(metricValue(metrics, #"forge_queue_jobs{queue="other",state="pending"}"#) == 4)
            #expect(metricValue(metrics, #"forge_queue_jobs{queue="qc",state="pending"}"#) == nil)

            // An emptied, deleted queue's series leave /metrics at the next sample.
            let qb = try QueueName("qb")
            let leased = try await redis.queues.lease(queue: qb, count: 10, visibilityMs: 30_000, worker: "w")
            _ = try await redis.queues.complete(queue: qb, leased.map { Completion(id: $0.id, token: $0.token) })
            while true {
                let batch = try await redis.queues.readEvents(qb, count: 100)
                if batch.isEmpty { break }
                try await redis.queues.acknowledgeEvents(batch)
            }
            #expect(try await redis.queues.deleteQueue(qb) == nil)
            _ = try await sampler.sampleOnce()
            #expect(metricValue(metrics, #"forge_queue_jobs{queue="qb",state="pending"}"#) == nil)
            #expect(metricValue(metrics, #"forge_queue_jobs{queue="qa",state="pending"}"#) == 2)
        }
    }
}
