import ForgeCore
import ForgeObservability
import ForgeRedis
import ForgeScheduler
import Testing

@Suite struct CronFirerTests {
    /// A whole second, so ticks of an every-second schedule are `t0 + k * 1000`.
    let t0: Int64 = 1_700_000_000_000
    let queue = try! QueueName("cron-q")

    func firer(_ redis: TestRedis, _ clock: TestClock) -> CronFirer {
        CronFirer(
            schedules: redis.schedules, queues: redis.queues, now: clock.closure, reporter: reporter(ForgeMetrics()),
            logger: testLogger
        )
    }

    func everySecond(_ name: String = "tick", paused: Bool = false) -> Schedule {
        Schedule(name: name, cron: "* * * * * *", job: JobTemplate(type: "report", queue: "cron-q"), paused: paused)
    }

    @Test func everySecondScheduleEnqueuesOneJobPerTick() async throws {
        try await TestRedis.with { redis in
            let clock = TestClock(t0 + 300)
            let cron = firer(redis, clock)
            try await redis.schedules.put(everySecond())

            // First sighting: no catch-up from 1970, the next tick is the first.
            #expect(try await cron.fireOnce().isEmpty)
            clock.now = t0 + 1300
            let first = try await cron.fireOnce()
            #expect(first.map(\.tickMs) == [t0 + 1000])
            #expect(first.map(\.created) == [true])
            clock.now = t0 + 1900
            #expect(try await cron.fireOnce().isEmpty)
            clock.now = t0 + 2050
            #expect(try await cron.fireOnce().map(\.tickMs) == [t0 + 2000])

            // Three ticks missed (no leader for a while): only the latest fires.
            clock.now = t0 + 5300
            #expect(try await cron.fireOnce().map(\.tickMs) == [t0 + 5000])
            #expect(try await redis.schedules.lastFired()["tick"] == t0 + 5000)

            let status = try await redis.queues.status(queue)
            #expect(status.counts.pending == 3)
            let job = try await redis.queues.job(first[0].id, queue: queue)
            #expect(job?.type == "report")
        }
    }

    @Test func overlappingFirersNeverEnqueueATickTwice() async throws {
        try await TestRedis.with { redis in
            let clock = TestClock(t0 + 300)
            let a = firer(redis, clock)
            let b = firer(redis, clock)
            try await redis.schedules.put(everySecond())
            _ = try await a.fireOnce()

            var created: [Int64: Int] = [:]
            for second in 1...5 {
                clock.now = t0 + Int64(second) * 1000 + 300
                async let fromA = a.fireOnce()
                async let fromB = b.fireOnce()
                for fired in try await fromA + fromB where fired.created { created[fired.tickMs, default: 0] += 1 }
            }
            #expect(created == Dictionary(uniqueKeysWithValues: (1...5).map { (t0 + Int64($0) * 1000, 1) }))

            // A replica with a stale view of the last tick (leader change mid-write) re-fires the
            // same tick; the unique key turns it into a no-op.
            _ = try await redis.client.command(["DEL", "\(redis.keys.namespace):schedules:fired"])
            _ = try await redis.client.command(["HSET", "\(redis.keys.namespace):schedules:fired", "tick", String(t0 + 4000)])
            let again = try await b.fireOnce()
            #expect(again.map(\.tickMs) == [t0 + 5000])
            #expect(again.map(\.created) == [false])
            #expect(try await redis.queues.status(queue).counts.pending == 5)
        }
    }

    @Test func pausedScheduleDoesNotFireAndResumesFromTheNextTick() async throws {
        try await TestRedis.with { redis in
            let clock = TestClock(t0 + 300)
            let cron = firer(redis, clock)
            try await redis.schedules.put(everySecond(paused: true))
            #expect(try await cron.fireOnce().isEmpty)
            clock.now = t0 + 3300
            #expect(try await cron.fireOnce().isEmpty)

            try await redis.schedules.put(everySecond(paused: false))
            clock.now = t0 + 3500
            #expect(try await cron.fireOnce().isEmpty)
            clock.now = t0 + 4100
            #expect(try await cron.fireOnce().map(\.tickMs) == [t0 + 4000])
        }
    }

    @Test func invalidScheduleIsSkippedWithoutBlockingOthers() async throws {
        try await TestRedis.with { redis in
            let clock = TestClock(t0 + 300)
            let cron = firer(redis, clock)
            try await redis.schedules.put(Schedule(name: "broken", cron: "not a cron", job: JobTemplate(type: "x", queue: "cron-q")))
            try await redis.schedules.put(everySecond())
            _ = try await cron.fireOnce()
            clock.now = t0 + 1300
            #expect(try await cron.fireOnce().map(\.schedule) == ["tick"])
        }
    }
}
