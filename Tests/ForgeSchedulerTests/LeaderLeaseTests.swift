import ForgeCore
import ForgeObservability
import ForgeRedis
import ForgeScheduler
import ForgeTestSupport
import Testing

@Suite struct LeaderLeaseTests {
    func lease(_ redis: TestRedis, _ id: String, ttlMs: Int64 = 3000, metrics: ForgeMetrics? = nil) -> LeaderLease {
        LeaderLease(redis: redis.client, keys: redis.keys, id: id, ttlMs: ttlMs, metrics: metrics, logger: testLogger)
    }

    @Test func twoCandidatesOnOneKeyElectExactlyOneLeader() async throws {
        try await TestRedis.with { redis in
            let a = lease(redis, "a")
            let b = lease(redis, "b")
            for _ in 0..<5 {
                async let first: Void = a.refresh()
                async let second: Void = b.refresh()
                _ = await (first, second)
                #expect(a.isLeader != b.isLeader)
            }
            let leader = a.isLeader ? a : b
            let holder = try await redis.client.command(["GET", redis.keys.leader]).string
            #expect(holder == leader.id)
            #expect((leader.epoch ?? 0) >= 1)
        }
    }

    @Test func followerTakesOverWhenTheLeaderStopsRenewing() async throws {
        try await TestRedis.with { redis in
            // Long: A must renew within a TTL of taking the lock, even with the whole suite
            // running beside it on two cores.
            let ttl: Int64 = 4000
            let a = lease(redis, "a", ttlMs: ttl)
            let b = lease(redis, "b", ttlMs: ttl)
            let leading = Task { await a.run() }
            #expect(await eventually(timeout: .seconds(20)) { a.isLeader })
            let following = Task { await b.run() }
            defer { following.cancel() }
            // B keeps retrying but cannot take over while A holds the lock. Half a TTL after A
            // took it, B cannot lead however late anything ran; after that A's renewals keep
            // it: the lock, still A's, has more time left than it could without a renewal.
            try await Task.sleep(for: .milliseconds(Int(ttl / 2)))
            #expect(!b.isLeader)
            #expect(
                await eventually(timeout: .milliseconds(Int(ttl) * 2)) {
                    let holder = try? await redis.client.command(["GET", redis.keys.leader]).string
                    let left = try? await redis.client.command(["PTTL", redis.keys.leader]).int
                    return holder == "a" && (left ?? 0) > ttl * 3 / 4
                }
            )
            #expect(!b.isLeader)

            // A "crashes": it stops renewing and never releases.
            leading.cancel()
            await leading.value
            let start = ContinuousClock.now
            #expect(await eventually(timeout: .milliseconds(Int(ttl)) + .seconds(3)) { b.isLeader })
            #expect(ContinuousClock.now - start < .milliseconds(Int(ttl)) + .seconds(3))
            #expect((b.epoch ?? 0) > (a.epoch ?? 0))
        }
    }

    @Test func staleLeaderCannotRenewAfterTakeover() async throws {
        try await TestRedis.with { redis in
            let a = lease(redis, "a")
            let b = lease(redis, "b")
            var changes = a.changes().makeAsyncIterator()
            #expect(await changes.next() == false)
            await a.refresh()
            #expect(a.isLeader)
            #expect(await changes.next() == true)
            let oldEpoch = try #require(a.epoch)

            // A's lock expires while it is stalled (GC pause, partition); B takes it.
            _ = try await redis.client.command(["DEL", redis.keys.leader])
            await b.refresh()
            #expect(b.isLeader)
            let newEpoch = try #require(b.epoch)
            #expect(newEpoch > oldEpoch)

            // A's renew is refused and it steps down at once; B's lock is untouched.
            await a.refresh()
            #expect(!a.isLeader)
            #expect(await changes.next() == false)
            let holder = try await redis.client.command(["GET", redis.keys.leader]).string
            #expect(holder == "b")
            await b.refresh()
            #expect(b.isLeader)
        }
    }

    @Test func releaseHandsOverAtOnceAndUpdatesTheGauge() async throws {
        try await TestRedis.with { redis in
            let metrics = ForgeMetrics()
            let a = lease(redis, "a", ttlMs: 60_000, metrics: metrics)
            let b = lease(redis, "b", ttlMs: 60_000)
            #expect(metricValue(metrics, "forge_scheduler_leader") == 0)
            await a.refresh()
            #expect(metricValue(metrics, "forge_scheduler_leader") == 1)
            await b.refresh()
            #expect(!b.isLeader)

            await a.release()
            #expect(!a.isLeader)
            #expect(metricValue(metrics, "forge_scheduler_leader") == 0)
            await b.refresh()
            #expect(b.isLeader)
        }
    }

    @Test func leaderStepsDownWhenRedisFails() async throws {
        try await TestRedis.with { redis in
            let metrics = ForgeMetrics()
            let client = RedisClient(configuration: TestRedis.configuration())
            let a = LeaderLease(redis: client, keys: redis.keys, id: "a", ttlMs: 60_000, metrics: metrics, logger: testLogger)
            await a.refresh()
            #expect(a.isLeader)
            await client.shutdown()
            await a.refresh()
            #expect(!a.isLeader)
            #expect((metricValue(metrics, "forge_redis_errors_total") ?? 0) >= 1)
        }
    }
}
