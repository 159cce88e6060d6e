import ForgeCore
import ForgeObservability
import ForgeRedis
import ForgeScheduler
import ForgeTestSupport
import Testing

@Suite struct CronFirerTests {
    /// A whole second, so ticks of an every-second schedule are `t0 + k * 1000`.
    let t0: Int64 = 1_700_000_000_000
    let queue = try! QueueName("cron-q")

    func firer(_ redis: TestRedis, _ clock: TestClock, metrics: ForgeMetrics = ForgeMetrics(), maxQueues: Int? = nil) -> CronFirer {
        CronFirer(
            schedules: redis.schedules,
            queues: redis.queues,
            maxQueues: maxQueues,
            now: clock.closure,
            metrics: metrics,
            reporter: reporter(metrics),
            logger: testLogger
        )
    }

    func everySecond(_ name: String = "tick", paused: Bool = false) -> Schedule {
        Schedule(name: name, cron: "* * * * * *", job: JobTemplate(type: "report", queue: "cron-q"), paused: paused)
    }

    /// Stores an every-second schedule the way the previous release's gateway did: the record
    /// alone, no due entry.
    func storeAsBefore(_ redis: TestRedis, _ name: String) async throws {
        let json = #"{"name":"\#(name)","cron":"* * * * * *","time_zone":"UTC","paused":false,"job":{"type":"report","queue":"cron-q"}}"#
        _ = try await redis.client.command(["HSET", "\(redis.keys.namespace):schedules", name, json])
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

            // A replica with a stale view of the last tick (leader change mid-write: neither the
            // tick nor the schedule's next due time recorded) re-fires the same tick; the unique
            // key turns it into a no-op.
            _ = try await redis.client.command(["DEL", "\(redis.keys.namespace):schedules:fired"])
            _ = try await redis.client.command(["HSET", "\(redis.keys.namespace):schedules:fired", "tick", String(t0 + 4000)])
            _ = try await redis.client.command(["ZADD", redis.keys.schedules.due, String(t0 + 5000), "tick"])
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

    /// One schedule's queue refusing its tick (back-pressure) fails only that schedule: the
    /// others fire and are recorded, and the refused tick is not recorded, so it fires at a
    /// later pass once the queue accepts again.
    @Test func aRefusedEnqueueFailsOnlyItsOwnScheduleAndIsRetried() async throws {
        try await TestRedis.with { redis in
            let metrics = ForgeMetrics()
            let clock = TestClock(t0 + 300)
            let cron = firer(redis, clock, metrics: metrics)
            let held = try QueueName("held")
            try await redis.schedules.put(Schedule(name: "blocked", cron: "* * * * * *", job: JobTemplate(type: "report", queue: "held")))
            try await redis.schedules.put(everySecond())
            #expect(try await cron.fireOnce().isEmpty)
            try await redis.queues.setBackpressure(held, true)

            clock.now = t0 + 1300
            #expect(try await cron.fireOnce().map(\.schedule) == ["tick"])
            #expect(try await redis.schedules.lastFired()["tick"] == t0 + 1000)
            #expect(try await redis.schedules.lastFired()["blocked"] == t0 + 300, "a refused tick is not recorded")
            #expect(metricValue(metrics, #"forge_cron_failures_total{reason="backpressure"}"#) == 1)

            clock.now = t0 + 1500
            #expect(try await cron.fireOnce().isEmpty, "still refused")
            #expect(metricValue(metrics, #"forge_cron_failures_total{reason="backpressure"}"#) == 2)

            try await redis.queues.setBackpressure(held, false)
            clock.now = t0 + 1700
            let retried = try await cron.fireOnce()
            #expect(retried.map(\.schedule) == ["blocked"])
            #expect(retried.map(\.tickMs) == [t0 + 1000])
            #expect(try await redis.schedules.lastFired()["blocked"] == t0 + 1000)
            #expect(try await redis.queues.status(held).counts.pending == 1)
            #expect(try await redis.queues.status(queue).counts.pending == 1)
        }
    }

    /// The firer applies the queue limit: a schedule whose queue is not registered while the
    /// registry is full fails alone (counted as `queue_limit`) and creates no queue.
    @Test func aScheduleOnAQueuePastTheQueueLimitFailsAloneAndCreatesNoQueue() async throws {
        try await TestRedis.with { redis in
            let metrics = ForgeMetrics()
            let clock = TestClock(t0 + 300)
            let cron = firer(redis, clock, metrics: metrics, maxQueues: 1)
            _ = try await redis.queues.enqueue(newJob(queue: "cron-q"))
            try await redis.schedules.put(Schedule(name: "elsewhere", cron: "* * * * * *", job: JobTemplate(type: "report", queue: "new-q")))
            try await redis.schedules.put(everySecond())
            _ = try await cron.fireOnce()

            clock.now = t0 + 1300
            #expect(try await cron.fireOnce().map(\.schedule) == ["tick"])
            #expect(try await redis.queues.queueNames() == [queue])
            #expect(try await redis.schedules.lastFired()["elsewhere"] == t0 + 300)
            #expect(metricValue(metrics, #"forge_cron_failures_total{reason="queue_limit"}"#) == 1)
        }
    }

    /// The firer reads only the schedules that are due: passes with nothing due leave the
    /// schedules hash, payloads and all, untouched (Redis's idle time of the key grows).
    @Test func passesWithNothingDueNeverReadTheSchedules() async throws {
        try await TestRedis.with { redis in
            let clock = TestClock(t0 + 300)
            let cron = firer(redis, clock)
            let payload = "\"" + String(repeating: "p", count: 8000) + "\""
            for index in 0..<20 {
                try await redis.schedules.put(
                    Schedule(name: "daily-\(index)", cron: "0 3 * * *", job: JobTemplate(type: "report", queue: "cron-q", payload: payload))
                )
            }
            _ = try await cron.fireOnce()
            let start = ContinuousClock.now
            while ContinuousClock.now - start < .milliseconds(2500) {
                clock.now += 200
                #expect(try await cron.fireOnce().isEmpty)
                try await Task.sleep(for: .milliseconds(50))
            }
            let idle = try await redis.client.command(["OBJECT", "IDLETIME", "\(redis.keys.namespace):schedules"]).int
            #expect((idle ?? 0) >= 1, "the schedules hash was read while nothing was due")
        }
    }

    /// Schedules written by the previous release (no due-index entry) keep firing: the firer
    /// indexes them and catches up from their last recorded tick as before.
    @Test func schedulesStoredByThePreviousReleaseKeepFiring() async throws {
        try await TestRedis.with { redis in
            let clock = TestClock(t0 + 1300)
            let cron = firer(redis, clock)
            try await storeAsBefore(redis, "legacy")
            try await storeAsBefore(redis, "fresh")
            _ = try await redis.client.command(["HSET", "\(redis.keys.namespace):schedules:fired", "legacy", String(t0)])

            #expect(try await cron.fireOnce().map(\.schedule) == ["legacy"], "fresh starts from its next tick")
            clock.now = t0 + 2300
            #expect(Set(try await cron.fireOnce().map(\.schedule)) == ["legacy", "fresh"])
        }
    }

    /// A deleted schedule stops firing and leaves nothing behind for the firer to read.
    @Test func aDeletedScheduleStopsFiring() async throws {
        try await TestRedis.with { redis in
            let clock = TestClock(t0 + 300)
            let cron = firer(redis, clock)
            try await redis.schedules.put(everySecond())
            _ = try await cron.fireOnce()
            clock.now = t0 + 1300
            #expect(try await cron.fireOnce().count == 1)
            #expect(try await redis.schedules.delete("tick"))
            clock.now = t0 + 2300
            #expect(try await cron.fireOnce().isEmpty)
            #expect(try await redis.client.command(["ZCARD", redis.keys.schedules.due]).int == 0)
        }
    }

    /// A PUT that lands while a pass works on the same schedule wins: the pass does not move the
    /// due entry the PUT wrote (even when the PUT changed nothing), so the next pass reads the
    /// schedule again, still fresh.
    @Test func aPutDuringAPassIsReadAgainAtTheNextPass() async throws {
        try await TestRedis.with { redis in
            try await redis.schedules.put(everySecond())
            let read = try await redis.schedules.due(atOrBefore: t0, limit: 10)
            #expect(read.map(\.name) == ["tick"])
            #expect(read.map(\.fresh) == [true])
            try await redis.schedules.put(everySecond())
            try await redis.schedules.record(read.map { $0.update(.at(t0 + 60_000), firedMs: t0) })
            let again = try await redis.schedules.due(atOrBefore: t0, limit: 10)
            #expect(again.map(\.name) == ["tick"])
            #expect(again.map(\.fresh) == [true])
        }
    }

    /// A schedule resumed by a gateway of the previous release (which writes no due entry) is read
    /// again within a minute, and starts from its next tick rather than firing one it skipped.
    @Test func aScheduleResumedByAnOlderGatewayStartsFromItsNextTick() async throws {
        try await TestRedis.with { redis in
            let clock = TestClock(t0 + 300)
            let cron = firer(redis, clock)
            try await redis.schedules.put(everySecond(paused: true))
            #expect(try await cron.fireOnce().isEmpty)
            try await storeAsBefore(redis, "tick")

            clock.now = t0 + 30_300
            #expect(try await cron.fireOnce().isEmpty, "parked until the due index is reconciled")
            clock.now = t0 + 61_300
            #expect(try await cron.fireOnce().isEmpty, "no tick skipped while paused fires")
            clock.now = t0 + 62_100
            #expect(try await cron.fireOnce().map(\.tickMs) == [t0 + 62_000])
        }
    }
}
