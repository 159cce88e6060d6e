import ForgeCore
import ForgeRedis
import ForgeTestSupport
import Testing

@Suite struct EventStreamTests {
    @Test func everyTransitionIsAnEventWithAGrowingSequence() async throws {
        try await TestRedis.with { redis in
            let new = job(maxAttempts: 2, payload: #"{"n":1}"#)
            _ = try await redis.queues.enqueue(new)
            let first = try #require(try await redis.queues.lease(queue: q, count: 1, visibilityMs: 30_000, worker: "w").first)
            _ = try await redis.queues.fail(queue: q, LeaseRef(first), error: "boom", retryable: true, retryDelayMs: 0)
            _ = try await redis.queues.promoteDue(q)
            let second = try #require(try await redis.queues.lease(queue: q, count: 1, visibilityMs: 30_000, worker: "w").first)
            _ = try await redis.queues.complete(queue: q, [Completion(id: second.id, token: second.token, result: "true")])

            let batch = try await redis.queues.readEvents(q, count: 100)
            let events = batch.events.filter { $0.jobID == new.id }
            #expect(events.map(\.kind) == [.enqueued, .started, .retried, .promoted, .started, .completed])
            #expect(events.map(\.seq) == Array(1...6))
            #expect(events.map(\.state) == [.pending, .active, .retrying, .pending, .active, .completed])
            #expect(events[0].payload == #"{"n":1}"#)
            #expect(events[0].type == "noop")
            #expect(events[2].error == "boom")
            #expect(events[2].attempts == 1)
            #expect(events[5].result == "true")

            // Unacknowledged entries are delivered again (the archiver died before acking).
            let replay = try await redis.queues.readEvents(q, count: 100)
            #expect(replay.entryIDs == batch.entryIDs)
            try await redis.queues.acknowledgeEvents(batch)
            #expect(try await redis.queues.readEvents(q, count: 100).isEmpty)
            #expect(try await redis.queues.eventBacklog(q) == 0)
        }
    }
}
