import ForgeCore
import ForgeObservability
import Logging
import Prometheus

/// Runs ``HistoryArchiver`` continuously: back-to-back passes while full batches are waiting, then
/// a pause of `idleInterval` (75 ms) once it has caught up, so a steady trickle of events is
/// archived in batches of what arrived during the pause rather than a few at a time. Counts and
/// logs every quarantined job (`forge_history_quarantined_total{queue}`) and every queue whose
/// batch failed. The lag and backlog gauges are ``HistoryBacklogSampler``'s: they must move while
/// this loop cannot.
public struct ArchiverService: Sendable {
    private let archiver: HistoryArchiver
    private let metrics: ForgeMetrics
    private let reporter: FailureReporter
    private let logger: Logger
    private let loop: DutyLoop
    private let activity: QueueActivity?

    /// - Parameter activity: told which queues each pass archived (their depths may have changed).
    public init(
        archiver: HistoryArchiver,
        metrics: ForgeMetrics,
        idleInterval: Duration = .milliseconds(75),
        activity: QueueActivity? = nil,
        reporter: FailureReporter,
        logger: Logger
    ) {
        self.archiver = archiver
        self.activity = activity
        self.metrics = metrics
        self.reporter = reporter
        self.logger = logger
        loop = DutyLoop(name: "archiver", interval: idleInterval, reporter: reporter)
    }

    /// One archiver pass, reported like the loop's passes.
    @discardableResult
    public func archiveOnce() async throws -> HistoryArchiver.Pass {
        let pass = try await archiver.archiveOnce()
        report(pass)
        return pass
    }

    public func run() async {
        // Pipelined passes until caught up (``HistoryArchiver/drain(_:onPass:)``); then the loop's
        // idle pause. Only the queues with unarchived entries are read, except on the loop's
        // full sweeps.
        await loop.run(fullSweepEvery: DutyLoop.fullSweepInterval) { [self] everyQueue in
            let names = everyQueue ? nil : try await archiver.unarchivedQueues()
            if names?.isEmpty == true { return false }
            try await archiver.drain(names) { pass in report(pass) }
            return false
        }
    }

    private func report(_ pass: HistoryArchiver.Pass) {
        activity?.note(pass.queues)
        for job in pass.quarantined {
            metrics.historyQuarantined(queue: job.queue.rawValue).increment()
            logger.error(
                "postgres refused a job's history; its events are in history_quarantine",
                metadata: [
                    "job_id": "\(job.jobID)", "queue": "\(job.queue)", "events": "\(job.events)",
                    "sql_state": "\(job.sqlState ?? "")", "reason": "\(job.reason)", "row_written": "\(job.rowWritten)",
                ]
            )
        }
        // An outage fails every queue alike; the loop reports it once (the drain throws).
        for failure in pass.failures where ArchiveTroubles.Failure(failure.error) != .outage {
            reporter.report(failure.error, duty: "archiver/\(failure.queue)")
        }
    }
}
