import ForgeCore
import ForgeObservability
import ForgeRedis
import Prometheus
import Synchronization

/// Samples queue depths into `forge_queue_jobs{queue,state}`.
///
/// A pass reads the queues whose depths may have changed (``QueueActivity``: archived since the
/// last pass, or with entries still to archive) and keeps the last sample of the others; every
/// ``DutyLoop/fullSweepInterval`` (and first) it reads every queue, which also drops the series
/// of deleted queues. Only the leader samples; when it stops (step-down or shutdown) it removes its series, so a
/// former leader does not keep exporting stale depths that a `sum()` would double-count.
public final class QueueDepthSampler: Sendable {
    private let queues: QueueStore
    private let metrics: ForgeMetrics
    private let loop: DutyLoop
    private let activity: QueueActivity?
    private let exported = Mutex<[String: Gauge]>([:])
    /// The last status read of every queue, by name.
    private let sampled = Mutex<[QueueName: QueueStatus]>([:])

    /// The `state` label values with their counts (completed jobs expire from Redis; their
    /// rate is `forge_jobs_completed_total`).
    static func states(_ counts: QueueCounts) -> [(String, Int)] {
        [
            ("scheduled", counts.scheduled), ("pending", counts.pending), ("active", counts.active),
            ("retrying", counts.retrying), ("dead", counts.dead),
        ]
    }

    /// - Parameter activity: the queues whose depths may have changed; `nil`: every pass reads
    ///   every queue.
    public init(
        queues: QueueStore,
        metrics: ForgeMetrics,
        interval: Duration = .seconds(2),
        activity: QueueActivity? = nil,
        reporter: FailureReporter
    ) {
        self.queues = queues
        self.metrics = metrics
        self.activity = activity
        loop = DutyLoop(name: "queue-depth", interval: interval, reporter: reporter)
    }

    /// Reads every queue's status and sets the gauges; returns the statuses read.
    ///
    /// Queues past the metrics' queue-label limit share the `other` series, so their counts are
    /// summed; a series whose queue is gone (deleted) leaves `/metrics`.
    @discardableResult
    public func sampleOnce() async throws -> [QueueStatus] {
        let statuses = try await queues.statuses(try await queues.queueNames())
        sampled.withLock { $0 = Dictionary(statuses.map { ($0.name, $0) }, uniquingKeysWith: { $1 }) }
        export()
        return statuses
    }

    /// Reads the queues whose depths may have changed and sets the gauges; returns the statuses
    /// read.
    @discardableResult
    public func sampleChanged() async throws -> [QueueStatus] {
        let names = (activity?.take() ?? []).union(try await queues.unarchivedQueues())
        let statuses: [QueueStatus]
        do {
            statuses = try await queues.statuses(names.sorted())
        } catch {
            activity?.note(names)  // read again next pass
            throw error
        }
        sampled.withLock { sampled in
            for status in statuses { sampled[status.name] = status }
        }
        export()
        return statuses
    }

    private func export() {
        // By name, so the queues that get their own label (metrics' label limit) are the same each time.
        let statuses = sampled.withLock { $0.values.sorted { $0.name < $1.name } }
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
    }

    /// Removes every series this sampler exported.
    public func clear() {
        sampled.withLock { $0 = [:] }
        let gauges = exported.withLock { exported in
            defer { exported = [:] }
            return Array(exported.values)
        }
        for gauge in gauges { metrics.unregister(gauge) }
    }

    public func run() async {
        await loop.run(fullSweepEvery: activity == nil ? .zero : DutyLoop.fullSweepInterval) { [self] everyQueue in
            _ = try await (everyQueue ? sampleOnce() : sampleChanged())
            return false
        }
        clear()
    }
}
