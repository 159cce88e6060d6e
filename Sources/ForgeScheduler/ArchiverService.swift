import ForgeObservability
import Logging
import Prometheus

/// Runs ``HistoryArchiver`` continuously: back-to-back passes while events are waiting, a short
/// pause when the streams are empty; publishes `forge_history_lag_seconds`.
public struct ArchiverService: Sendable {
    private let archiver: HistoryArchiver
    private let metrics: ForgeMetrics
    private let loop: DutyLoop

    public init(archiver: HistoryArchiver, metrics: ForgeMetrics, idleInterval: Duration = .milliseconds(75), reporter: FailureReporter) {
        self.archiver = archiver
        self.metrics = metrics
        loop = DutyLoop(name: "archiver", interval: idleInterval, reporter: reporter)
    }

    /// One archiver pass that also updates the lag gauge.
    @discardableResult
    public func archiveOnce() async throws -> HistoryArchiver.Pass {
        let pass = try await archiver.archiveOnce()
        metrics.historyLagSeconds.set(to: Double(pass.lagMs) / 1000)
        return pass
    }

    public func run() async {
        // Pipelined passes until the streams are empty; then the loop's idle pause.
        await loop.run { [self] in
            let archived = try await archiver.drain { pass in
                metrics.historyLagSeconds.set(to: Double(pass.lagMs) / 1000)
            }
            if archived == 0 { metrics.historyLagSeconds.set(to: 0) }
            return archived > 0
        }
        // A follower archives nothing; its gauge must not keep a stale lag for max() to pick up.
        metrics.historyLagSeconds.set(to: 0)
    }
}
