import ForgeCore
import ForgePostgres
import ForgeRedis
import ForgeScheduler
import ForgeTestSupport
import Foundation
import Testing

/// A job's timeline: its audited transitions as history keeps them, in order.
@Suite struct HistoryEventsTests {
    let t0: Int64 = 1_700_000_000_000

    @Test func eventsComeInSeqOrderWithTheirFieldsAndUpToTheLimit() async throws {
        try await TestDatabase.withSchema { client in
            let store = HistoryStore(client: client)
            let id = JobID.generate()
            // Two batches, the later one first, so the order comes from `seq`, not from the writes.
            try await store.record([
                try event(id, 1, .enqueued, .pending, at: t0, attempts: 0, type: "report", payload: "[1]", maxAttempts: 3),
                try event(id, 4, .leaseExpired, .pending, at: t0 + 40, attempts: 2),
                try event(id, 5, .canceled, .canceled, at: t0 + 50, attempts: 2),
            ])
            try await store.record([
                try event(id, 2, .started, .active, at: t0 + 10, attempts: 1),
                try event(id, 3, .retried, .retrying, at: t0 + 20, attempts: 1, runAtMs: t0 + 30, error: "boom"),
            ])
            let queue = try QueueName("default")

            let events = try await store.events(of: id)
            #expect(
                events == [
                    HistoryEvent(jobID: id, seq: 3, queue: queue, kind: .retried, state: .retrying, atMs: t0 + 20, attempt: 1, error: "boom"),
                    HistoryEvent(jobID: id, seq: 4, queue: queue, kind: .leaseExpired, state: .pending, atMs: t0 + 40, attempt: 2),
                    HistoryEvent(jobID: id, seq: 5, queue: queue, kind: .canceled, state: .canceled, atMs: t0 + 50, attempt: 2),
                ]
            )
            #expect(try await store.events(of: id, limit: 2).map(\.seq) == [3, 4])
            #expect(try await store.events(of: JobID.generate()).isEmpty)
        }
    }

    @Test func theArchiverWritesTheTimelineOfAJobRunThroughRedis() async throws {
        try await TestDatabase.withSchema { postgres in
            try await TestRedis.with { redis in
                let store = redis.queues
                let history = HistoryStore(client: postgres)
                let queue = try QueueName("timeline")
                let flaky = try NewJob(queue: "timeline", type: "webhook", maxAttempts: 2)
                _ = try await store.enqueue(flaky)
                var leased = try await store.lease(queue: queue, count: 1, visibilityMs: 30_000, worker: "w")
                _ = try await store.fail(queue: queue, LeaseRef(try #require(leased.first)), error: "HTTP 503", retryable: true, retryDelayMs: 0)
                _ = try await store.promoteDue(queue)
                leased = try await store.lease(queue: queue, count: 1, visibilityMs: 30_000, worker: "w")
                _ = try await store.fail(queue: queue, LeaseRef(try #require(leased.first)), error: "HTTP 500", retryable: true, retryDelayMs: 0)
                _ = try await HistoryArchiver(queues: store, history: history, batchSize: 100).drain([queue])

                let events = try await history.events(of: flaky.id)
                #expect(events.map(\.kind) == [.retried, .died])
                #expect(events.map(\.state) == [.retrying, .dead])
                #expect(events.map(\.error) == ["HTTP 503", "HTTP 500"])
                #expect(events.map(\.attempt) == [1, 2])
                #expect(events.allSatisfy { $0.queue == queue && $0.jobID == flaky.id && $0.atMs > t0 })
                #expect(events[0].seq < events[1].seq && events[0].atMs <= events[1].atMs)
            }
        }
    }
}
