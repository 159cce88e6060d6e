import ForgeCore
import ForgeRedis
import ForgeTestSupport
import ForgeWorker
import Testing

@Suite struct WorkerQueueTests {
    @Test func weightedQueuesAreAllServedAndEmptyOnesSkipped() async throws {
        try await TestRedis.with { redis in
            let selection = try QueueSelection(parsing: "heavy:5,light:1,empty:3")
            let heavy = try await redis.queues.enqueue((0..<10).map { _ in try NewJob(queue: "heavy", type: "noop") })
            let light = try await redis.queues.enqueue((0..<10).map { _ in try NewJob(queue: "light", type: "noop") })
            try await withWorker(redis, handlers: .builtins, configuration: testConfiguration(queues: selection)) { _ in
                for result in heavy + light { try await redis.waitFor(result.id, state: .completed) }
            }
        }
    }

    @Test func starServesQueuesCreatedAfterStart() async throws {
        try await TestRedis.with { redis in
            let early = try await redis.enqueue("noop", queue: "early")
            try await withWorker(redis, handlers: .builtins, configuration: testConfiguration(queues: .all)) { _ in
                try await redis.waitFor(early, state: .completed)
                let late = try await redis.enqueue("noop", queue: "late")
                try await redis.waitFor(late, state: .completed)
            }
        }
    }

    @Test func queueListParsesWeightsAndRefusesBadText() throws {
        #expect(try QueueSelection(parsing: "*") == .all)
        #expect(
            try QueueSelection(parsing: "critical:5, default") == .weighted([
                .init(name: try QueueName("critical"), weight: 5), .init(name: try QueueName("default"), weight: 1),
            ])
        )
        for bad in ["", "a,,b", "Bad", "a:0", "a:x", "a:1:2", "a,a"] {
            #expect(throws: ValidationError.self, "\(bad)") { try QueueSelection(parsing: bad) }
        }
    }
}
