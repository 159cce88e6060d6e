import ForgeCore
import ForgeRedis
import ForgeTestSupport
import Foundation
import Testing

/// The overview reads every queue's depth, counters and history lag in a few round trips.
@Suite struct QueueOverviewTests {
    @Test func countersDepthsAndLagFollowEnqueuesAcksAndTheArchiver() async throws {
        try await TestRedis.with { redis in
            let store = redis.queues
            let unique = job(uniqueKey: "once")
            _ = try await store.enqueue([unique, job(uniqueKey: "once"), job(), job(), job(delayMs: 60_000)])
            let leased = try await store.lease(queue: q, count: 2, visibilityMs: 30_000, worker: "w")
            _ = try await store.complete(queue: q, [Completion(id: leased[0].id, token: leased[0].token)])
            try await store.pause(q)

            let serverNow = try await store.serverTime()
            var overview = try #require(try await store.overview([q]).first)
            #expect(overview.name == q && overview.paused)
            #expect(overview.enqueued == 4)
            #expect(overview.completed == 1)
            #expect(overview.counts == QueueCounts(scheduled: 1, pending: 1, active: 1, completed: 1))
            let oldest = try #require(overview.oldestUnarchivedMs)
            #expect(oldest <= serverNow && serverNow - oldest < 60_000)
            #expect(overview.historyLagMs >= 0)
            // With the caller's clock, the lag is measured from it.
            overview = try #require(try await store.overview([q], now: oldest + 7_000).first)
            #expect(overview.historyLagMs == 7_000)

            // Archived entries leave the stream: nothing lags.
            let batch = try await store.readEvents(q, count: 1_000)
            try await store.acknowledgeEvents(batch)
            overview = try #require(try await store.overview([q], now: oldest + 7_000).first)
            #expect(overview.oldestUnarchivedMs == nil && overview.historyLagMs == 0)
            #expect(overview.enqueued == 4 && overview.completed == 1)
        }
    }

    @Test func aThousandQueuesAnswerInOrderWithTheirOwnCounts() async throws {
        try await TestRedis.with { redis in
            let store = redis.queues
            let names = try (0..<1_000).map { try QueueName(String(format: "q%04d", $0)) }
            // Queue i holds i % 5 pending jobs; every tenth also one dead letter.
            var jobs: [NewJob] = []
            for (index, name) in names.enumerated() {
                jobs += (0..<(index % 5)).map { _ in job(queue: name.rawValue, maxAttempts: 1) }
            }
            for start in stride(from: 0, to: jobs.count, by: 500) {
                _ = try await store.enqueue(Array(jobs[start..<min(jobs.count, start + 500)]))
            }
            for (index, name) in names.enumerated() where index % 10 == 1 {
                let leased = try await store.lease(queue: name, count: 1, visibilityMs: 30_000, worker: "w")
                _ = try await store.fail(queue: name, LeaseRef(try #require(leased.first)), error: "x", retryable: false, retryDelayMs: 0)
            }

            let overview = try await store.overview(names)
            #expect(overview.map(\.name) == names)
            for (index, entry) in overview.enumerated() {
                let dead = index % 10 == 1 ? 1 : 0
                #expect(entry.counts.pending == index % 5 - dead, "queue \(entry.name)")
                #expect(entry.counts.dead == dead)
                #expect(entry.enqueued == index % 5)
                #expect((entry.oldestUnarchivedMs != nil) == (index % 5 > 0))
            }
            #expect(try await store.overview([]).isEmpty)
        }
    }
}
