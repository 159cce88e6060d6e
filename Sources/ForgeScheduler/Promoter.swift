import ForgeCore
import ForgeRedis

/// Moves due delayed and retrying jobs to ready (asynq's `forwarder`), in the queues the due index
/// names (``KeySpace/due``): an idle installation costs the same with one queue or a thousand.
///
/// The promote script takes time from Redis `TIME`, so replicas with skewed clocks agree, and is
/// fenced by the leader's epoch, so a replica that lost the lock without noticing yet changes
/// nothing.
public struct Promoter: Sendable {
    private let queues: QueueStore
    private let loop: DutyLoop
    private let sweep: QueueSweep
    private let batch: Int
    private let epoch: @Sendable () throws -> Int64?

    /// - Parameter epoch: the leader's fencing token (`nil`: not fenced; throws: not leading, so
    ///   nothing runs).
    public init(
        queues: QueueStore,
        interval: Duration = .milliseconds(200),
        batch: Int = 1000,
        epoch: @escaping @Sendable () throws -> Int64? = { nil },
        reporter: FailureReporter
    ) {
        self.queues = queues
        self.batch = batch
        self.epoch = epoch
        loop = DutyLoop(name: "promoter", interval: interval, reporter: reporter)
        sweep = QueueSweep(duty: "promoter", reporter: reporter)
    }

    /// Promotes up to one batch per queue whose due time came (``QueueStore/dueQueues(limit:)``),
    /// or per known queue when `everyQueue`; returns how many jobs became ready.
    @discardableResult
    public func promoteOnce(everyQueue: Bool = false) async throws -> Int {
        try await pass(everyQueue: everyQueue).moved
    }

    /// One pass, and how long until the next queue comes due (`nil`: none known, or a cluster):
    /// the index's next entry, or sooner the next time of a queue the pass visited, whose entry
    /// the index held at an earlier time (a lease deadline since extended) when it was read.
    private func pass(everyQueue: Bool) async throws -> (moved: Int, nextIn: Duration?) {
        let fence = try epoch()
        var moved = 0
        let due = try await queues.due(limit: batch)
        var nextIn = due.nextIn
        try await sweep.run(everyQueue ? try await queues.queueNames() : due.queues) { queue in
            let outcome = try await queues.promoteDue(queue, limit: batch, epoch: fence)
            moved += outcome.moved
            if let settled = outcome.nextDueIn { nextIn = min(nextIn ?? settled, settled) }
        }
        return (moved, nextIn)
    }

    /// Promotes until cancelled, sleeping until the next due time when that is sooner than the
    /// interval (the queues a pass promoted in report their next time themselves). A full batch
    /// means more is due: it goes again at once.
    public func run() async {
        await loop.run(
            fullSweepEvery: DutyLoop.fullSweepInterval,
            passing: { [self] everyQueue in
                let (moved, nextIn) = try await pass(everyQueue: everyQueue)
                return moved >= batch ? DutyPass.more : .done(nextDueIn: nextIn)
            }
        )
    }
}
