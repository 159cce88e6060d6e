import ForgeCore
import ForgeRedis

/// What the cron firer does with one due schedule at one pass: decided from the schedule, its
/// due entry, its last tick and the time alone, so the cases are plain to read and to test.
///
/// Cron semantics: each tick is enqueued with the unique key `cron:<name>:<tick ms>`; after missed
/// ticks (no leader for a while) only the latest fires; a new or resumed schedule starts from its
/// next tick, not from every tick since 1970 or since it was paused.
package enum CronStep: Sendable {
    /// The schedule is gone: drop its due entry.
    case forget
    /// Paused: not read again until a PUT changes it.
    case park
    /// Cannot fire (a cron expression, time zone or record this build cannot read): parked, and
    /// the problem logged.
    case broken(String)
    /// New or resumed: now is where it starts, so its next tick is its first.
    case start(nextMs: Int64?)
    /// No tick since the last one (a replaced schedule, read early): read again at its next tick.
    case wait(nextMs: Int64?)
    /// Enqueue `job` for `tickMs`, then read it again at its next tick.
    case fire(tickMs: Int64, job: NewJob, nextMs: Int64?)
    /// The tick's job cannot be built (logged): the tick counts as done, so it is not tried at
    /// every pass.
    case skip(tickMs: Int64, problem: String, nextMs: Int64?)

    /// How long a tick's unique key holds: far longer than any leader change.
    package static let uniqueForMs: Int64 = 86_400_000
    /// When a schedule whose zone file could not be read is read again.
    package static let unreadableZoneRetryMs: Int64 = 5_000

    package init(_ due: DueSchedule, nowMs: Int64) {
        guard due.exists else {
            self = .forget
            return
        }
        guard let schedule = due.schedule else {
            self = .broken("its stored record is not a schedule")
            return
        }
        guard !schedule.paused else {
            self = .park
            return
        }
        // A zone file that exists but cannot be read now is no reason to park the schedule.
        if case .unreadable = ZoneRules.lookup(schedule.timeZone) {
            self = .wait(nextMs: nowMs + Self.unreadableZoneRetryMs)
            return
        }
        let cron: CronExpression
        do {
            cron = try CronExpression(schedule.cron)
            try CronExpression.validateTimeZone(schedule.timeZone)
        } catch {
            self = .broken("\(error)")
            return
        }
        let next = cron.nextFire(afterMs: nowMs, timeZone: schedule.timeZone)
        guard !due.fresh, let last = due.lastFiredMs else {
            self = .start(nextMs: next)
            return
        }
        guard let tick = cron.latestTick(after: last, atOrBefore: nowMs, timeZone: schedule.timeZone) else {
            self = .wait(nextMs: next)
            return
        }
        do {
            let job = try schedule.job.newJob(uniqueKey: "cron:\(schedule.name):\(tick)", uniqueForMs: Self.uniqueForMs)
            self = .fire(tickMs: tick, job: job, nextMs: next)
        } catch {
            self = .skip(tickMs: tick, problem: "\(error)", nextMs: next)
        }
    }
}

extension CronStep {
    /// When the schedule is read again once this step is done (a refused enqueue aside).
    package var next: DueSchedule.Next {
        switch self {
        case .forget: .removed
        case .park, .broken: .parked
        case .start(let next), .wait(let next), .fire(_, _, let next), .skip(_, _, let next): next.map(DueSchedule.Next.at) ?? .parked
        }
    }
}
