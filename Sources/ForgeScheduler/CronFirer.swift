import ForgeCore
import ForgeObservability
import ForgePostgres
import ForgeRedis
import Logging
import Prometheus

/// Enqueues a job for the due tick of every cron schedule that is not paused (``CronStep``).
///
/// A pass reads only the schedules whose due time has come (``ScheduleStore/due(atOrBefore:limit:)``),
/// a page at a time, so its memory stays bounded however many schedules there are, and a pass
/// with nothing due costs one small read. Each tick is enqueued with the unique key
/// `cron:<name>:<tick ms>` (held for a day) and then recorded, so a tick fires once even when a
/// leader change lets two replicas look at it, or a crash falls between the enqueue and the
/// record.
///
/// Each schedule's enqueue stands alone: one refused (back-pressure, the queue limit, any error of
/// its queue) is logged and counted in `forge_cron_failures_total{reason}`, its tick is not
/// recorded and it stays due, so the next pass tries it again; every other schedule fires and is
/// recorded as usual.
///
/// With `history` (`FORGE_DURABILITY=postgres`) a page's tick jobs get their history rows
/// committed before Redis sees them, in one statement, as the gateway's enqueues do; the rows of
/// ticks Redis did not create (refused, or enqueued before by another replica) are dropped again.
/// Postgres down fails the pass before anything reaches Redis: the ticks stay due.
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
    public static let uniqueForMs = CronStep.uniqueForMs
    /// Schedules read at once: a page holds at most 50 payloads (16 KiB each by default).
    static let pageSize = 50
    /// Every schedule read leaves the due range, so pages run out; this only stops a pass that
    /// PUTs keep feeding.
    static let maxPagesPerPass = 1_000
    /// How often the due index is reconciled with the schedules (``ScheduleStore/reindex()``),
    /// besides the first pass of each leadership.
    static let reindexIntervalMs: Int64 = 60_000
    /// The values of the `reason` label.
    static let failureReasons = ["backpressure", "queue_limit", "invalid", "error"]

    private let schedules: ScheduleStore
    private let queues: QueueStore
    private let maxQueues: Int?
    private let history: HistoryStore?
    private let now: @Sendable () async throws -> Int64
    private let metrics: ForgeMetrics
    private let logger: Logger
    private let loop: DutyLoop
    private let memory = CronMemory()

    /// - Parameter maxQueues: the most queues there may be (`FORGE_MAX_QUEUES`, as the gateway's):
    ///   a tick for a queue that is not registered while the registry is full is refused.
    public init(
        schedules: ScheduleStore,
        queues: QueueStore,
        maxQueues: Int? = nil,
        history: HistoryStore? = nil,
        interval: Duration = .milliseconds(200),
        now: @escaping @Sendable () async throws -> Int64,
        metrics: ForgeMetrics,
        reporter: FailureReporter,
        logger: Logger
    ) {
        self.schedules = schedules
        self.queues = queues
        self.maxQueues = maxQueues
        self.history = history
        self.now = now
        self.metrics = metrics
        self.logger = logger
        loop = DutyLoop(name: "cron", interval: interval, reporter: reporter)
        // At 0 from the start, so increase() sees the first failure.
        for reason in Self.failureReasons { _ = metrics.cronFailures(reason: reason) }
    }

    /// Fires every due tick once; returns what it enqueued.
    @discardableResult
    public func fireOnce() async throws -> [Fired] {
        let now = try await self.now()
        if memory.reindexIsDue(nowMs: now, intervalMs: Self.reindexIntervalMs) {
            let added = try await schedules.reindex()
            if added > 0 { logger.info("schedules added to the due index", metadata: ["count": "\(added)"]) }
            memory.reindexed(atMs: now)
        }
        var fired: [Fired] = []
        for _ in 0..<Self.maxPagesPerPass {
            let page = try await schedules.due(atOrBefore: now, limit: Self.pageSize)
            fired += try await fire(page, nowMs: now)
            if page.count < Self.pageSize { break }
        }
        return fired
    }

    public func run() async {
        memory.forgetReindex()
        await loop.run { [self] in
            _ = try await fireOnce()
            return false
        }
    }

    /// Enqueues the page's due ticks in one round trip and records every schedule's outcome in one more.
    private func fire(_ page: [DueSchedule], nowMs: Int64) async throws -> [Fired] {
        let steps = page.map { CronStep($0, nowMs: nowMs) }
        var jobs: [NewJob] = []
        for case .fire(_, let job, _) in steps { jobs.append(job) }
        try await history?.recordAccepted(jobs, nowMs: nowMs)
        let outcomes = try await enqueue(jobs)
        var results = outcomes.makeIterator()
        var updates: [DueSchedule.Update] = []
        var fired: [Fired] = []
        for (due, step) in zip(page, steps) {
            switch step {
            case .forget, .park, .wait:
                memory.clear(due.name)
                updates.append(due.update(step.next))
            case .start:
                memory.clear(due.name)
                updates.append(due.update(step.next, firedMs: nowMs))
            case .broken(let problem):
                if memory.note(problem, for: due.name) {
                    logger.error(
                        "schedule cannot fire until it is replaced",
                        metadata: ["schedule": "\(due.name)", "error": "\(problem)"]
                    )
                }
                updates.append(due.update(.parked))
            case .skip(let tick, let problem, _):
                metrics.cronFailures(reason: "invalid").increment()
                if memory.note(problem, for: due.name) {
                    logger.error(
                        "schedule's job template is invalid; its ticks are skipped",
                        metadata: ["schedule": "\(due.name)", "error": "\(problem)"]
                    )
                }
                updates.append(due.update(step.next, firedMs: tick))
            case .fire(let tick, let job, _):
                switch results.next() {
                case .success(let result)?:
                    if let problem = memory.clear(due.name) {
                        logger.info("schedule fires again", metadata: ["schedule": "\(due.name)", "after": "\(problem)"])
                    }
                    logger.debug(
                        "cron tick enqueued",
                        metadata: ["schedule": "\(due.name)", "tick_ms": "\(tick)", "job_id": "\(result.id)"]
                    )
                    updates.append(due.update(step.next, firedMs: tick))
                    fired.append(Fired(schedule: due.name, tickMs: tick, id: result.id, created: result.created))
                case let failure:
                    if case .failure(let error)? = failure { refused(due.name, job: job, tickMs: tick, error) }
                    // Not recorded, and due again from the next pass on (not this one: its pages
                    // read up to `nowMs`).
                    updates.append(due.update(.at(nowMs + 1)))
                }
            }
        }
        try await schedules.record(updates)
        return fired
    }

    /// Enqueues the ticks' jobs; with history rows committed first, drops the rows of those Redis
    /// did not create. When the call itself fails, the rows go too: the ticks stay due and the next
    /// pass makes new rows, and rows left from every failed pass would each come back as a run of
    /// the same tick after a recovery. (Had Redis created a job all the same, the next pass finds
    /// it by its unique key, and only the archiver writes its row.)
    private func enqueue(_ jobs: [NewJob]) async throws -> [Result<EnqueueResult, any Error>] {
        let outcomes: [Result<EnqueueResult, any Error>]
        do {
            outcomes = try await queues.enqueueEach(jobs, maxQueues: maxQueues)
        } catch {
            await forget(jobs.map(\.id))
            throw error
        }
        await forget(
            zip(jobs, outcomes).compactMap { job, outcome -> JobID? in
                if case .success(let result) = outcome, result.created, result.id == job.id { return nil }
                return job.id
            }
        )
        return outcomes
    }

    private func forget(_ uncreated: [JobID]) async {
        guard let history, !uncreated.isEmpty else { return }
        do {
            try await history.forgetAccepted(uncreated)
        } catch {
            logger.warning(
                "could not drop the history rows of cron ticks Redis did not create",
                metadata: ["jobs": "\(uncreated.count)", "error": "\(error)"]
            )
        }
    }

    /// Counts and logs (once per streak) a tick its queue refused; it stays due.
    private func refused(_ schedule: String, job: NewJob, tickMs: Int64, _ error: any Error) {
        let reason = Self.reason(error)
        metrics.cronFailures(reason: reason).increment()
        if memory.note("refused: \(reason)", for: schedule) {
            logger.warning(
                "cron tick refused; the schedule stays due and is tried again at the next pass",
                metadata: [
                    "schedule": "\(schedule)", "queue": "\(job.queue)", "tick_ms": "\(tickMs)", "reason": "\(reason)",
                    "error": "\(error)",
                ]
            )
        }
    }

    /// The `reason` label for a refused enqueue.
    static func reason(_ error: any Error) -> String {
        guard let refusal = error as? QueueError else { return "error" }
        if refusal.code == .historyBacklogFull { return "backpressure" }
        if refusal.code == .queueLimit { return "queue_limit" }
        return "error"
    }
}
