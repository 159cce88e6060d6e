import ForgeCore
import ForgeRedis

/// Moves due delayed and retrying jobs to ready, for every known queue (asynq's `forwarder`).
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
        queues: QueueStore, interval: Duration = .milliseconds(200), batch: Int = 1000,
        epoch: @escaping @Sendable () throws -> Int64? = { nil }, reporter: FailureReporter
    ) {
        self.queues = queues
        self.batch = batch
        self.epoch = epoch
        loop = DutyLoop(name: "promoter", interval: interval, reporter: reporter)
        sweep = QueueSweep(duty: "promoter", reporter: reporter)
    }

    /// Promotes up to one batch per queue; returns how many jobs became ready.
    @discardableResult
    public func promoteOnce() async throws -> Int {
        let fence = try epoch()
        var moved = 0
        try await sweep.run(try await queues.queueNames()) { queue in
            moved += try await queues.promoteDue(queue, limit: batch, epoch: fence).moved
        }
        return moved
    }

    /// Promotes until cancelled; a full batch means more is due, so it goes again at once.
    public func run() async {
        await loop.run { [self] in try await promoteOnce() >= batch }
    }
}
