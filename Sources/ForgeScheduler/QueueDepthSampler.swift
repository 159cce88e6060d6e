import ForgeCore
import ForgeObservability
import ForgeRedis
import Prometheus
import Synchronization

/// Samples every queue's depth into `forge_queue_jobs{queue,state}`.
///
/// Only the leader samples; when it stops (step-down or shutdown) it removes its series, so a
/// former leader does not keep exporting stale depths that a `sum()` would double-count.
public final class QueueDepthSampler: Sendable {
    private let queues: QueueStore
    private let metrics: ForgeMetrics
    private let loop: DutyLoop
    private let exported = Mutex<[String: Gauge]>([:])

    /// The `state` label values with their counts (completed jobs expire from Redis; their
    /// rate is `forge_jobs_completed_total`).
    static func states(_ counts: QueueCounts) -> [(String, Int)] {
        [
            ("scheduled", counts.scheduled), ("pending", counts.pending), ("active", counts.active),
            ("retrying", counts.retrying), ("dead", counts.dead),
        ]
    }

    public init(queues: QueueStore, metrics: ForgeMetrics, interval: Duration = .seconds(2), reporter: FailureReporter) {
        self.queues = queues
        self.metrics = metrics
        loop = DutyLoop(name: "queue-depth", interval: interval, reporter: reporter)
    }

    /// Reads every queue's status and sets the gauges; returns the statuses read.
    ///
    /// Queues past the metrics' queue-label limit share the `other` series, so their counts are
    /// summed; a series whose queue is gone (deleted) leaves `/metrics`.
    @discardableResult
    public func sampleOnce() async throws -> [QueueStatus] {
        var statuses: [QueueStatus] = []
        for queue in try await queues.queueNames() { statuses.append(try await queues.status(queue)) }
        var totals: [String: [(String, Int)]] = [:]
        for status in statuses {
            // Failure counters of every known queue exist at 0 (registering creates them), so
            // alerts and `increase()` see the first failure.
            let queue = status.name.rawValue
            _ = metrics.leasesExpired(queue: queue)
            _ = metrics.jobsDead(queue: queue)
            _ = metrics.historyQuarantined(queue: queue)
            _ = metrics.deadLettersTrimmed(queue: queue)
            let label = metrics.label("queue", queue)
            let counts = Self.states(status.counts)
            totals[label] = totals[label].map { zip($0, counts).map { ($0.0, $0.1 + $1.1) } } ?? counts
        }
        var gauges: [String: Gauge] = [:]
        for (label, counts) in totals {
            for (state, count) in counts {
                let gauge = metrics.queueJobs(queue: label, state: state)
                gauge.set(to: Double(count))
                gauges["\(label)/\(state)"] = gauge
            }
        }
        let stale = exported.withLock { exported in
            defer { exported = gauges }
            return exported.filter { gauges[$0.key] == nil }.map(\.value)
        }
        for gauge in stale { metrics.unregister(gauge) }
        return statuses
    }

    /// Removes every series this sampler exported.
    public func clear() {
        let gauges = exported.withLock { exported in
            defer { exported = [:] }
            return Array(exported.values)
        }
        for gauge in gauges { metrics.unregister(gauge) }
    }

    public func run() async {
        await loop.run { [self] in
            _ = try await sampleOnce()
            return false
        }
        clear()
    }
}
