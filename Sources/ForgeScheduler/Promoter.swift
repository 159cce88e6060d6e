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
    private let batch: Int
    private let epoch: @Sendable () -> Int64?

    /// - Parameter epoch: the leader's fencing token (`nil`: not fenced).
    public init(
        queues: QueueStore, interval: Duration = .milliseconds(200), batch: Int = 1000,
        epoch: @escaping @Sendable () -> Int64? = { nil }, reporter: FailureReporter
    ) {
        self.queues = queues
        self.batch = batch
        self.epoch = epoch
        loop = DutyLoop(name: "promoter", interval: interval, reporter: reporter)
    }

    /// Promotes up to one batch per queue; returns how many jobs became ready.
    @discardableResult
    public func promoteOnce() async throws -> Int {
        var moved = 0
        for queue in try await queues.queueNames() {
            moved += try await queues.promoteDue(queue, limit: batch, epoch: epoch()).moved
        }
        return moved
    }

    /// Promotes until cancelled; a full batch means more is due, so it goes again at once.
    public func run() async {
        await loop.run { [self] in try await promoteOnce() >= batch }
    }
}
