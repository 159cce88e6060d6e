import ForgeCore
import ForgeObservability
import ForgeRedis
import Prometheus

/// Takes back leases whose deadline passed (crashed or hung workers), in the queues the due index
/// names (``KeySpace/due``) (asynq's `recoverer`, but every 250 ms rather than every minute).
///
/// Each reclaimed lease counts in `forge_leases_expired_total{queue}`, whether the job went back
/// to ready or, out of attempts, to the dead set (which also counts in `forge_jobs_dead_total`).
public struct Reclaimer: Sendable {
    private let queues: QueueStore
    private let metrics: ForgeMetrics
    private let loop: DutyLoop
    private let sweep: QueueSweep
    private let batch: Int
    private let epoch: @Sendable () throws -> Int64?

    /// - Parameter epoch: the leader's fencing token (`nil`: not fenced; throws: not leading, so
    ///   nothing runs).
    public init(
        queues: QueueStore,
        metrics: ForgeMetrics,
        interval: Duration = .milliseconds(250),
        batch: Int = 1000,
        epoch: @escaping @Sendable () throws -> Int64? = { nil },
        reporter: FailureReporter
    ) {
        self.queues = queues
        self.metrics = metrics
        self.batch = batch
        self.epoch = epoch
        loop = DutyLoop(name: "reclaimer", interval: interval, reporter: reporter)
        sweep = QueueSweep(duty: "reclaimer", reporter: reporter)
    }

    /// Reclaims up to one batch per queue whose due time came (``QueueStore/dueQueues(limit:)``),
    /// or per known queue when `everyQueue`; returns how many leases it took back.
    @discardableResult
    public func reclaimOnce(everyQueue: Bool = false) async throws -> Int {
        let fence = try epoch()
        var total = 0
        let names = everyQueue ? try await queues.queueNames() : try await queues.dueQueues(limit: batch)
        try await sweep.run(names) { queue in
            let outcome = try await queues.reclaimExpired(queue, limit: batch, epoch: fence)
            let expired = outcome.moved + outcome.died
            guard expired > 0 else { return }
            metrics.leasesExpired(queue: queue.rawValue).increment(by: Int64(expired))
            if outcome.died > 0 { metrics.jobsDead(queue: queue.rawValue).increment(by: Int64(outcome.died)) }
            total += expired
        }
        return total
    }

    public func run() async {
        await loop.run(fullSweepEvery: DutyLoop.fullSweepInterval) { [self] everyQueue in
            try await reclaimOnce(everyQueue: everyQueue) >= batch
        }
    }
}
