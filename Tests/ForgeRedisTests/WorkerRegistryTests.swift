import ForgeCore
import ForgeRedis
import ForgeTestSupport
import Testing

/// Workers report themselves alive; readers list the recent ones, and a stopped or silent worker
/// drops out.
@Suite struct WorkerRegistryTests {
    let t0: Int64 = 1_700_000_000_000

    func presence(_ name: String, busy: Int = 0) -> WorkerPresence {
        WorkerPresence(
            name: name,
            queues: ["critical", "default"],
            concurrency: 8,
            busy: busy,
            startedAtMs: t0 - 60_000,
            host: "box-1",
            pid: 4242,
            seenAtMs: 0
        )
    }

    @Test func manyWorkersReportedAtOnceAreAllAliveRemoteOnesMarked() async throws {
        try await TestRedis.with { redis in
            let registry = WorkerRegistry(redis: redis.client, keys: redis.keys)
            // More than one round trip's worth (500 a pipeline), and not a multiple of it.
            let many = (0..<1_234).map { index in
                let digits = String(index)
                var worker = presence("remote-" + String(repeating: "0", count: 4 - digits.count) + digits)
                worker.remote = index % 2 == 0
                return worker
            }
            try await registry.report(many, now: t0)
            let alive = try await registry.alive(now: t0 + 1_000, limit: 2_000)
            #expect(alive.map(\.name) == many.map(\.name))
            #expect(alive.map(\.remote) == many.map(\.remote))
        }
    }

    @Test func reportedWorkersAreAliveSortedByNameWithTheirFields() async throws {
        try await TestRedis.with { redis in
            let registry = WorkerRegistry(redis: redis.client, keys: redis.keys)
            try await registry.report(presence("w-b", busy: 3), now: t0)
            try await registry.report(presence("w-a"), now: t0 + 1_000)

            let alive = try await registry.alive(now: t0 + 2_000)
            #expect(alive.map(\.name) == ["w-a", "w-b"])
            var expected = presence("w-b", busy: 3)
            expected.seenAtMs = t0
            #expect(alive[1] == expected)
            #expect(try await registry.alive(now: t0 + 2_000, limit: 1).count == 1)
            // The hash expires three intervals after the report.
            let ttl = try await redis.client.command(["PTTL", redis.keys.worker("w-a")]).int ?? 0
            #expect(ttl > 10_000 && ttl <= 15_000)
        }
    }

    @Test func aWorkerSilentForLongerThanTheStaleWindowIsNotAlive() async throws {
        try await TestRedis.with { redis in
            let registry = WorkerRegistry(redis: redis.client, keys: redis.keys)
            try await registry.report(presence("quiet"), now: t0)
            try await registry.report(presence("chatty"), now: t0 + 20_000)

            #expect(try await registry.alive(now: t0 + 20_000, staleAfterMs: 15_000).map(\.name) == ["chatty"])
            #expect(try await registry.alive(now: t0 + 20_000, staleAfterMs: 30_000).map(\.name) == ["chatty", "quiet"])
        }
    }

    @Test func aNameWhoseHashExpiredIsSkipped() async throws {
        try await TestRedis.with { redis in
            let registry = WorkerRegistry(redis: redis.client, keys: redis.keys)
            try await registry.report(presence("gone"), now: t0)
            try await registry.report(presence("here"), now: t0)
            _ = try await redis.client.command(["DEL", redis.keys.worker("gone")])

            #expect(try await registry.alive(now: t0).map(\.name) == ["here"])
        }
    }

    @Test func removeTakesAWorkerOutAtOnce() async throws {
        try await TestRedis.with { redis in
            let registry = WorkerRegistry(redis: redis.client, keys: redis.keys)
            try await registry.report(presence("leaving"), now: t0)
            try await registry.remove(name: "leaving")

            #expect(try await registry.alive(now: t0).isEmpty)
            #expect(try await redis.client.command(["EXISTS", redis.keys.worker("leaving")]).int == 0)
            #expect(try await redis.client.command(["ZCARD", redis.keys.workers]).int == 0)
        }
    }

    @Test func reportsForgetNamesSilentForAnHour() async throws {
        try await TestRedis.with { redis in
            let registry = WorkerRegistry(redis: redis.client, keys: redis.keys)
            try await registry.report(presence("crashed"), now: t0)
            try await registry.report(presence("alive"), now: t0 + WorkerRegistry.forgetAfterMs + 1)

            let names = try await redis.client.command(["ZRANGE", redis.keys.workers, "0", "-1"]).array?.compactMap(\.string)
            #expect(names == ["alive"])
        }
    }
}
