import ForgeCore
import ForgeRedis
import ForgeTestSupport
import Testing

/// A queue's jobs listed by state, a page at a time, in the order the queue keeps them.
@Suite struct JobsPageTests {
    func ids(_ page: (jobs: [JobRecord], total: Int)) -> [JobID] { page.jobs.map(\.id) }

    @Test func pendingJobsPageAcrossPrioritiesHighestFirstThenFIFO() async throws {
        try await TestRedis.with { redis in
            let store = redis.queues
            let jobs = [5, 0, 9, 5, 9, 0, 5].map { job(priority: $0) }
            _ = try await store.enqueue(jobs)
            let expected = [9, 5, 0].flatMap { priority in jobs.filter { $0.priority == priority }.map(\.id) }

            let all = try await store.jobsPage(q, state: .pending, offset: 0, limit: 200)
            #expect(ids(all) == expected && all.total == 7)
            #expect(all.jobs.allSatisfy { $0.state == .pending && $0.queue == q })
            #expect(ids(try await store.jobsPage(q, state: .pending, offset: 1, limit: 3)) == Array(expected[1..<4]))
            let tail = try await store.jobsPage(q, state: .pending, offset: 4, limit: 10)
            #expect(ids(tail) == Array(expected[4...]) && tail.total == 7)
            let beyond = try await store.jobsPage(q, state: .pending, offset: 100, limit: 10)
            #expect(beyond.jobs.isEmpty && beyond.total == 7)
            // The limit is clamped to 1…200.
            #expect(try await store.jobsPage(q, state: .pending, offset: 0, limit: 0).jobs.count == 1)
        }
    }

    @Test func scheduledAndRetryingJobsComeSoonestFirst() async throws {
        try await TestRedis.with { redis in
            let store = redis.queues
            let later = job(delayMs: 30_000)
            let soon = job(delayMs: 10_000)
            let middle = job(delayMs: 20_000)
            _ = try await store.enqueue([later, soon, middle])
            let scheduled = try await store.jobsPage(q, state: .scheduled, offset: 0, limit: 10)
            #expect(ids(scheduled) == [soon.id, middle.id, later.id] && scheduled.total == 3)
            #expect(ids(try await store.jobsPage(q, state: .scheduled, offset: 1, limit: 1)) == [middle.id])

            let a = job(queue: "r")
            let b = job(queue: "r")
            let r = try QueueName("r")
            _ = try await store.enqueue([a, b])
            let leased = try await store.lease(queue: r, count: 2, visibilityMs: 30_000, worker: "w")
            let active = try await store.jobsPage(r, state: .active, offset: 0, limit: 10)
            #expect(Set(ids(active)) == [a.id, b.id] && active.total == 2)
            #expect(active.jobs.allSatisfy { $0.state == .active })
            for lease in leased {
                let delay: Int64 = lease.id == a.id ? 50_000 : 5_000
                _ = try await store.fail(queue: r, LeaseRef(lease), error: "boom", retryable: true, retryDelayMs: delay)
            }
            let retrying = try await store.jobsPage(r, state: .retrying, offset: 0, limit: 10)
            #expect(ids(retrying) == [b.id, a.id] && retrying.total == 2)
            #expect(retrying.jobs.allSatisfy { $0.state == .retrying && $0.lastError == "boom" })
            #expect(try await store.jobsPage(r, state: .active, offset: 0, limit: 10).total == 0)
        }
    }

    @Test func deadLettersComeLatestFirstLikeTheDeadLetterPage() async throws {
        try await TestRedis.with { redis in
            let store = redis.queues
            _ = try await store.enqueue((0..<5).map { _ in job() })
            for lease in try await store.lease(queue: q, count: 5, visibilityMs: 30_000, worker: "w") {
                _ = try await store.fail(queue: q, LeaseRef(lease), error: "x", retryable: false, retryDelayMs: 0)
                try await sleep(ms: 2)
            }
            let expected = try await store.deadLetters(q).map(\.id)
            let page = try await store.jobsPage(q, state: .dead, offset: 0, limit: 200)
            #expect(ids(page) == expected && page.total == 5)
            #expect(ids(try await store.jobsPage(q, state: .dead, offset: 2, limit: 2)) == Array(expected[2..<4]))
        }
    }

    @Test func aJobWhoseHashVanishedIsSkippedButCounted() async throws {
        try await TestRedis.with { redis in
            let store = redis.queues
            let jobs = (0..<3).map { _ in job() }
            _ = try await store.enqueue(jobs)
            _ = try await redis.client.command(["DEL", redis.keys.queue(q).job(jobs[1].id)])

            let page = try await store.jobsPage(q, state: .pending, offset: 0, limit: 10)
            #expect(ids(page) == [jobs[0].id, jobs[2].id] && page.total == 3)
        }
    }
}
