import ForgeCore
import ForgeRedis
import ForgeTestSupport
import Testing

@Suite struct ConcurrencyTests {
    /// 8 leasers race over 40 000 jobs: each job is handed out exactly once and none is lost.
    @Test func concurrentLeasersNeverShareAJobAndLoseNone() async throws {
        try await TestRedis.with { redis in
            let total = 40_000
            var enqueued = Set<JobID>()
            for _ in 0..<(total / 1000) {
                let batch = (0..<1000).map { _ in job() }
                _ = try await redis.queues.enqueue(batch)
                enqueued.formUnion(batch.map(\.id))
            }
            let perLeaser = try await withThrowingTaskGroup(of: [JobID].self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        var mine: [JobID] = []
                        var leased = try await redis.queues.lease(queue: q, count: 50, visibilityMs: 60_000, worker: "w\(worker)")
                        while !leased.isEmpty {
                            mine += leased.map(\.id)
                            let outcome = try await redis.queues.complete(
                                queue: q,
                                leased.map { Completion(id: $0.id, token: $0.token) },
                                leaseNext: 50,
                                visibilityMs: 60_000,
                                worker: "w\(worker)"
                            )
                            #expect(outcome.completed.allSatisfy { $0 })
                            leased = outcome.leased
                        }
                        return mine
                    }
                }
                return try await group.reduce(into: [[JobID]]()) { $0.append($1) }
            }
            let all = perLeaser.flatMap { $0 }
            #expect(all.count == total)
            #expect(Set(all) == enqueued)
            #expect(perLeaser.filter { !$0.isEmpty }.count > 1)
            #expect(try await redis.queues.status(q).counts == QueueCounts(completed: total))
        }
    }
}
