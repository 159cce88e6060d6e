import ForgeCore
import ForgeRedis
import ForgeTestSupport
import Testing

@Suite struct EnqueueTests {
    @Test func uniqueKeyInsideItsWindowReturnsTheFirstJob() async throws {
        try await TestRedis.with { redis in
            let first = job(uniqueKey: "invoice-42")
            let second = job(uniqueKey: "invoice-42")
            let a = try await redis.queues.enqueue(first)
            let b = try await redis.queues.enqueue(second)
            #expect(a.created && a.id == first.id)
            #expect(!b.created && b.id == first.id && b.state == .pending)
            #expect(try await redis.queues.job(second.id) == nil)
            // Also within one batch.
            let batch = try await redis.queues.enqueue([job(uniqueKey: "k2"), job(uniqueKey: "k2")])
            #expect(batch[0].created && !batch[1].created && batch[1].id == batch[0].id)
            #expect(try await redis.queues.status(q).counts.pending == 2)
        }
    }

    @Test func uniqueKeyOutsideItsWindowCreatesANewJob() async throws {
        try await TestRedis.with { redis in
            let first = try await redis.queues.enqueue(job(uniqueKey: "k", uniqueForMs: 100))
            try await sleep(ms: 200)
            let second = try await redis.queues.enqueue(job(uniqueKey: "k", uniqueForMs: 100))
            #expect(second.created)
            #expect(second.id != first.id)
        }
    }

    @Test func batchSpanningQueuesKeepsRequestOrder() async throws {
        try await TestRedis.with { redis in
            let jobs = (0..<30).map { index in job(queue: index % 3 == 0 ? "a" : "b") }
            let results = try await redis.queues.enqueue(jobs)
            #expect(results.map(\.id) == jobs.map(\.id))
            #expect(results.allSatisfy { $0.created && $0.state == .pending })
            #expect(try await redis.queues.queueNames().map(\.rawValue) == ["a", "b"])
            #expect(try await redis.queues.status(QueueName("a")).counts.pending == 10)
        }
    }

    @Test func batchAckCompletesAllAndLeasesTheNextInOneCall() async throws {
        try await TestRedis.with { redis in
            _ = try await redis.queues.enqueue((0..<250).map { _ in job() })
            var leased = try await redis.queues.lease(queue: q, count: 100, visibilityMs: 30_000, worker: "w")
            var done = 0
            while !leased.isEmpty {
                let outcome = try await redis.queues.complete(
                    queue: q,
                    leased.map { Completion(id: $0.id, token: $0.token, result: #"{"ok":true}"#) },
                    leaseNext: 100,
                    visibilityMs: 30_000,
                    worker: "w"
                )
                #expect(outcome.completed.allSatisfy { $0 })
                done += outcome.completed.count
                leased = outcome.leased
            }
            #expect(done == 250)
            #expect(try await redis.queues.status(q).counts == QueueCounts(completed: 250))
        }
    }

    @Test func completedJobKeepsItsResultUntilRetentionExpires() async throws {
        try await TestRedis.with(finishedRetentionMs: 90_000) { redis in
            let new = job()
            _ = try await redis.queues.enqueue(new)
            let leased = try #require(try await redis.queues.lease(queue: q, count: 1, visibilityMs: 30_000, worker: "w").first)
            let live = try await redis.client.command(["PTTL", redis.keys.queue(q).job(new.id)])
            #expect(live.int == -1)
            _ = try await redis.queues.complete(queue: q, [Completion(id: leased.id, token: leased.token, result: "42")])
            let done = try #require(try await redis.queues.job(new.id))
            #expect(done.state == .completed)
            #expect(done.result == "42")
            // Until history has it (see FinishedRetentionTests).
            let ttl = try #require(try await redis.client.command(["PTTL", redis.keys.queue(q).job(new.id)]).int)
            #expect(ttl > 90_000)
        }
    }

    @Test func unreachableRedisFailsFastAsUnavailable() async throws {
        let client = RedisClient(configuration: RedisConfiguration(host: "127.0.0.1", port: 1, timeoutMs: 500))
        let store = QueueStore(redis: client)
        do {
            _ = try await store.enqueue(job())
            Issue.record("enqueue against a closed port succeeded")
        } catch {
            #expect((error as? RedisError)?.isUnavailable == true)
        }
        #expect(await client.ping() == false)
        await client.shutdown()
    }
}
