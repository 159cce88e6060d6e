import ForgePostgres
import Logging
import Synchronization

/// Deletes finished jobs (completed, dead, canceled) older than the retention period from
/// Postgres history (asynq's `janitor`). Redis needs no sweep: the scripts give finished jobs a TTL.
///
/// Each pass walks forward from where the previous one stopped, so old jobs that are not finished
/// (scheduled far ahead, stuck) are looked at once per full sweep instead of on every step of
/// every pass. A full sweep from the oldest job starts again every `fullSweepInterval`, to
/// collect jobs that finished after the walk passed them.
public final class Retention: Sendable {
    private let history: HistoryStore
    private let retentionMs: Int64
    private let batch: Int
    private let fullSweepInterval: Duration
    private let now: @Sendable () async throws -> Int64
    private let logger: Logger
    private let loop: DutyLoop
    private let sweep = Mutex<(cursor: RetentionCursor?, started: ContinuousClock.Instant)>((nil, .now))

    public init(
        history: HistoryStore,
        days: Int = 14,
        interval: Duration = .seconds(60),
        batch: Int = 1000,
        fullSweepInterval: Duration = .seconds(3600),
        now: @escaping @Sendable () async throws -> Int64,
        reporter: FailureReporter,
        logger: Logger
    ) {
        self.history = history
        retentionMs = Int64(max(0, days)) * 86_400_000
        self.batch = batch
        self.fullSweepInterval = fullSweepInterval
        self.now = now
        self.logger = logger
        loop = DutyLoop(name: "retention", interval: interval, reporter: reporter)
    }

    /// Walks up to the cut-off in bounded steps; returns how many jobs it deleted and looked at.
    @discardableResult
    public func purgeOnce() async throws -> (deleted: Int, scanned: Int) {
        let cutoff = try await now() - retentionMs
        var cursor = sweep.withLock { state in
            if ContinuousClock.now - state.started >= fullSweepInterval { state = (nil, .now) }
            return state.cursor
        }
        var deleted = 0
        var scanned = 0
        while !Task.isCancelled {
            let step = try await history.deleteFinished(olderThan: cutoff, after: cursor, scan: batch)
            deleted += step.deleted
            scanned += step.scanned
            cursor = step.last
            sweep.withLock { $0.cursor = cursor }
            if step.reachedCutoff { break }
        }
        if deleted > 0 {
            logger.info("retention deleted finished jobs", metadata: ["jobs": "\(deleted)", "cutoff_ms": "\(cutoff)"])
        }
        return (deleted, scanned)
    }

    public func run() async {
        await loop.run { [self] in
            _ = try await purgeOnce()
            return false
        }
    }
}
