import ForgeCore
import ForgeRedis
import ForgeScheduler
import Testing

/// What the cron firer decides for one due schedule, without Redis: cron semantics live here.
@Suite struct CronStepTests {
    let t0: Int64 = 1_700_000_000_000
    let schedule = Schedule(name: "tick", cron: "* * * * * *", job: JobTemplate(type: "report", queue: "cron-q"))

    func due(fresh: Bool = false, lastFiredMs: Int64?, schedule: Schedule?, exists: Bool = true) -> DueSchedule {
        DueSchedule(name: "tick", score: "-1", exists: exists, schedule: schedule, lastFiredMs: lastFiredMs, fresh: fresh)
    }

    @Test func afterDowntimeOnlyTheLatestMissedTickFires() {
        guard case .fire(let tick, let job, let next) = CronStep(due(lastFiredMs: t0, schedule: schedule), nowMs: t0 + 5300) else {
            Issue.record("expected a tick to fire")
            return
        }
        #expect(tick == t0 + 5000)
        #expect(next == t0 + 6000)
        #expect(job.uniqueness?.key == "cron:tick:\(t0 + 5000)")
    }

    @Test func aNewOrResumedScheduleStartsFromNowNotFromItsLastTick() {
        guard case .start(let next) = CronStep(due(fresh: true, lastFiredMs: t0, schedule: schedule), nowMs: t0 + 5300) else {
            Issue.record("expected a start")
            return
        }
        #expect(next == t0 + 6000)
        guard case .start = CronStep(due(lastFiredMs: nil, schedule: schedule), nowMs: t0 + 5300) else {
            Issue.record("a schedule never fired starts too")
            return
        }
    }

    @Test func aScheduleReadBeforeItsNextTickWaitsForIt() {
        guard case .wait(let next) = CronStep(due(lastFiredMs: t0 + 1000, schedule: schedule), nowMs: t0 + 1500) else {
            Issue.record("expected a wait")
            return
        }
        #expect(next == t0 + 2000)
    }

    @Test func pausedParksDeletedIsForgottenAndUnreadableIsBroken() {
        var paused = schedule
        paused.paused = true
        #expect(CronStep(due(lastFiredMs: t0, schedule: paused), nowMs: t0 + 5300).next == .parked)
        #expect(CronStep(due(lastFiredMs: t0, schedule: nil, exists: false), nowMs: t0).next == .removed)
        guard case .broken = CronStep(due(lastFiredMs: t0, schedule: nil), nowMs: t0) else {
            Issue.record("a record that is not a schedule cannot fire")
            return
        }
        var badZone = schedule
        badZone.timeZone = "Mars/Olympus_Mons"
        #expect(CronStep(due(lastFiredMs: t0, schedule: badZone), nowMs: t0 + 5300).next == .parked)
    }
}
