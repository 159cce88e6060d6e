import ForgePostgres
import Logging

/// Deletes finished jobs (completed, dead, canceled) older than the retention period from
/// Postgres history (asynq's `janitor`). Redis needs no sweep: the scripts give finished jobs a TTL.
public struct Retention: Sendable {
    private let history: HistoryStore
    private let retentionMs: Int64
    private let batch: Int
    private let now: @Sendable () -> Int64
    private let logger: Logger
    private let loop: DutyLoop

    public init(
        history: HistoryStore, days: Int = 14, interval: Duration = .seconds(60), batch: Int = 1000,
        now: @escaping @Sendable () -> Int64, reporter: FailureReporter, logger: Logger
    ) {
        self.history = history
        retentionMs = Int64(max(0, days)) * 86_400_000
        self.batch = batch
        self.now = now
        self.logger = logger
        loop = DutyLoop(name: "retention", interval: interval, reporter: reporter)
    }

    /// Deletes everything past the cut-off in bounded batches; returns how many jobs it deleted.
    @discardableResult
    public func purgeOnce() async throws -> Int {
        let cutoff = now() - retentionMs
        var total = 0
        while !Task.isCancelled {
            let deleted = try await history.deleteFinished(olderThan: cutoff, limit: batch)
            total += deleted
            if deleted < batch { break }
        }
        if total > 0 { logger.info("retention deleted finished jobs", metadata: ["jobs": "\(total)", "cutoff_ms": "\(cutoff)"]) }
        return total
    }

    public func run() async {
        await loop.run { [self] in
            _ = try await purgeOnce()
            return false
        }
    }
}
