import ForgeRedis
import ForgeScheduler
import ForgeTestSupport
import Testing

/// The leader as readers (the web UI) see it: the replica holding the lease, its time left and
/// its fencing epoch.
@Suite struct LeaderInfoTests {
    @Test func leaderReadsTheLeaseHolderItsTimeLeftAndEpoch() async throws {
        try await TestRedis.with { redis in
            #expect(try await redis.queues.leader() == nil)

            let lease = LeaderLease(redis: redis.client, keys: redis.keys, id: "sched-a", ttlMs: 5_000, logger: testLogger)
            await lease.refresh()
            #expect(lease.isLeader)
            let info = try #require(try await redis.queues.leader())
            #expect(info.replica == "sched-a")
            #expect(info.epoch == lease.epoch)
            let ttl = try #require(info.ttlMs)
            #expect(ttl > 0 && ttl <= 5_000)

            await lease.release()
            #expect(try await redis.queues.leader() == nil)
        }
    }
}
