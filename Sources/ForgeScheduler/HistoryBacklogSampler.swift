import ForgeCore
import ForgeObservability
import ForgeRedis
import Logging
import Prometheus
import Synchronization

/// Watches the history waiting in Redis for the archiver, from Redis alone, so it keeps
/// reporting while Postgres is down: `forge_history_lag_seconds` (age of the oldest unarchived
/// entry), `forge_history_backlog_entries` and `forge_history_backlog_bytes`.
///
/// It also bounds Redis memory: when a queue's unarchived history grows past `limitBytes` it sets
/// the queue's back-pressure flag, which makes enqueue refuse new jobs (503 at the gateway) while
/// workers go on finishing the jobs already accepted; the flag clears once the backlog is below
/// half the limit again. A pass reads the queues with unarchived entries (``KeySpace/unarchived``)
/// and those it holds back, every queue only on the loop's full sweeps: the others have no
/// backlog. Only the leader samples; when it stops, its gauges fall to 0 so a
/// former leader does not export a stale lag for `max()` to pick up.
public final class HistoryBacklogSampler: Sendable {
    private let queues: QueueStore
    private let metrics: ForgeMetrics
    private let limitBytes: Int
    private let logger: Logger
    private let loop: DutyLoop
    /// The queues whose back-pressure flag the last pass saw set: read until it clears.
    private let holding = Mutex<Set<QueueName>>([])

    public struct Sample: Sendable, Hashable {
        public var lagMs: Int64
        public var entries: Int
        public var bytes: Int
        public var backpressured: [QueueName]
    }

    /// - Parameter limitBytes: unarchived history per queue above which enqueue is refused; 0
    ///   for no limit.
    public init(
        queues: QueueStore,
        metrics: ForgeMetrics,
        limitBytes: Int,
        interval: Duration = .seconds(1),
        reporter: FailureReporter,
        logger: Logger
    ) {
        self.queues = queues
        self.metrics = metrics
        self.limitBytes = max(0, limitBytes)
        self.logger = logger
        loop = DutyLoop(name: "history-backlog", interval: interval, reporter: reporter)
    }

    /// Samples every known queue (`everyQueue`), or those with unarchived entries or held back.
    @discardableResult
    public func sampleOnce(everyQueue: Bool = true) async throws -> Sample {
        let names =
            everyQueue
            ? try await queues.queueNames()
            : Set(try await queues.unarchivedQueues()).union(holding.withLock { $0 }).sorted()
        let (now, backlog) = try await queues.historyBacklog(names)
        let oldest = backlog.compactMap(\.oldestMs).min()
        var sample = Sample(
            lagMs: oldest.map { max(0, now - $0) } ?? 0,
            entries: backlog.reduce(0) { $0 + $1.entries },
            bytes: backlog.reduce(0) { $0 + $1.bytes },
            backpressured: []
        )
        for queue in backlog {
            let over = limitBytes > 0 && (queue.bytes > limitBytes || (queue.backpressure && queue.bytes > limitBytes / 2))
            if over != queue.backpressure {
                try await queues.setBackpressure(queue.queue, over)
                let metadata: Logger.Metadata = [
                    "queue": "\(queue.queue)", "backlog_bytes": "\(queue.bytes)", "limit_bytes": "\(limitBytes)",
                ]
                if over {
                    logger.error("history backlog over its limit: refusing enqueues to this queue", metadata: metadata)
                } else {
                    logger.notice("history backlog back under its limit: accepting enqueues again", metadata: metadata)
                }
            }
            if over { sample.backpressured.append(queue.queue) }
        }
        let held = Set(sample.backpressured)
        holding.withLock { holding in
            if everyQueue {
                holding = held
            } else {
                holding.subtract(names)
                holding.formUnion(held)
            }
        }
        metrics.historyLagSeconds.set(to: Double(sample.lagMs) / 1000)
        metrics.historyBacklogEntries.set(to: Double(sample.entries))
        metrics.historyBacklogBytes.set(to: Double(sample.bytes))
        metrics.historyBackpressureQueues.set(to: Double(sample.backpressured.count))
        return sample
    }

    public func run() async {
        metrics.historyBacklogLimitBytes.set(to: Double(limitBytes))
        await loop.run(fullSweepEvery: DutyLoop.fullSweepInterval) { [self] everyQueue in
            _ = try await sampleOnce(everyQueue: everyQueue)
            return false
        }
        metrics.historyLagSeconds.set(to: 0)
        metrics.historyBacklogEntries.set(to: 0)
        metrics.historyBacklogBytes.set(to: 0)
        metrics.historyBackpressureQueues.set(to: 0)
    }
}
