import ForgeCore
import ForgeRedis
import Logging
import Synchronization

/// Enqueues a job for the due tick of every cron schedule that is not paused.
///
/// Each tick is enqueued with the unique key `cron:<name>:<tick ms>` (held for a day) and then
/// recorded with ``ScheduleStore/markFired(_:tick:)``, so a tick fires once even when a leader
/// change lets two replicas look at it, or a crash falls between the enqueue and the record.
/// When several ticks were missed (no leader for a while) only the latest fires. A schedule
/// seen for the first time starts from its next tick, not from every tick since 1970.
public struct CronFirer: Sendable {
    /// One enqueued tick.
    public struct Fired: Sendable, Hashable {
        public var schedule: String
        public var tickMs: Int64
        public var id: JobID
        /// `false` when another replica had already enqueued this tick.
        public var created: Bool
    }

    /// How long a tick's unique key holds: far longer than any leader change.
    public static let uniqueForMs: Int64 = 86_400_000

    private let schedules: ScheduleStore
    private let queues: QueueStore
    private let now: @Sendable () async throws -> Int64
    private let logger: Logger
    private let loop: DutyLoop
    /// Broken schedules already logged, so one bad schedule does not log five times a second.
    private let reported = ReportedProblems()

    public init(
        schedules: ScheduleStore, queues: QueueStore, interval: Duration = .milliseconds(200),
        now: @escaping @Sendable () async throws -> Int64, reporter: FailureReporter, logger: Logger
    ) {
        self.schedules = schedules
        self.queues = queues
        self.now = now
        self.logger = logger
        loop = DutyLoop(name: "cron", interval: interval, reporter: reporter)
    }

    /// Fires every due tick once; returns what it enqueued.
    @discardableResult
    public func fireOnce() async throws -> [Fired] {
        let now = try await self.now()
        let all = try await schedules.all()
        guard !all.isEmpty else { return [] }
        let fired = try await schedules.lastFired()
        var due: [(name: String, tick: Int64, job: NewJob)] = []
        var skipped: [(name: String, tick: Int64)] = []
        for schedule in all {
            // A paused schedule keeps its baseline at "now", so resuming starts from the next
            // tick instead of firing the ticks it skipped.
            if schedule.paused {
                skipped.append((schedule.name, now))
                continue
            }
            guard let last = fired[schedule.name] else {
                // First sighting: remember "now" as the baseline so the next tick is the first.
                skipped.append((schedule.name, now))
                continue
            }
            let cron: CronExpression
            do {
                cron = try CronExpression(schedule.cron)
            } catch {
                if reported.isFirst("\(schedule.name) \(schedule.cron)") {
                    logger.error("schedule has an invalid cron expression", metadata: ["schedule": "\(schedule.name)", "error": "\(error)"])
                }
                continue
            }
            do {
                try CronExpression.validateTimeZone(schedule.timeZone)
            } catch {
                if reported.isFirst("\(schedule.name) \(schedule.timeZone)") {
                    logger.error("schedule has an unknown time zone", metadata: ["schedule": "\(schedule.name)", "error": "\(error)"])
                }
                continue
            }
            guard let tick = cron.latestTick(after: last, atOrBefore: now, timeZone: schedule.timeZone) else { continue }
            do {
                let job = try schedule.job.newJob(uniqueKey: "cron:\(schedule.name):\(tick)", uniqueForMs: Self.uniqueForMs)
                due.append((schedule.name, tick, job))
            } catch {
                // A template that cannot become a job would fail at every pass; skip the tick.
                if reported.isFirst("\(schedule.name) \(error)") {
                    logger.error("schedule's job template is invalid", metadata: ["schedule": "\(schedule.name)", "error": "\(error)"])
                }
                skipped.append((schedule.name, tick))
            }
        }
        let results = try await queues.enqueue(due.map(\.job))
        for (entry, result) in zip(due, results) {
            try await schedules.markFired(entry.name, tick: entry.tick)
            if result.created {
                logger.debug("cron tick enqueued", metadata: ["schedule": "\(entry.name)", "tick_ms": "\(entry.tick)", "job_id": "\(result.id)"])
            }
        }
        for entry in skipped { try await schedules.markFired(entry.name, tick: entry.tick) }
        return zip(due, results).map { Fired(schedule: $0.name, tickMs: $0.tick, id: $1.id, created: $1.created) }
    }

    public func run() async {
        await loop.run { [self] in
            _ = try await fireOnce()
            return false
        }
    }
}

/// Remembers which problems were logged already.
final class ReportedProblems: Sendable {
    private let seen = Mutex<Set<String>>([])

    /// `true` the first time `problem` is seen.
    func isFirst(_ problem: String) -> Bool { seen.withLock { $0.insert(problem).inserted } }
}
