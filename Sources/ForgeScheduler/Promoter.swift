import ForgeCore
import ForgeRedis

/// Moves due delayed and retrying jobs to ready, for every known queue (asynq's `forwarder`).
///
/// The promote script takes time from Redis `TIME`, so replicas with skewed clocks agree.
public struct Promoter: Sendable {
    private let queues: QueueStore
    private let loop: DutyLoop
    private let batch: Int

    public init(queues: QueueStore, interval: Duration = .milliseconds(200), batch: Int = 1000, reporter: FailureReporter) {
        self.queues = queues
        self.batch = batch
        loop = DutyLoop(name: "promoter", interval: interval, reporter: reporter)
    }

    /// Promotes up to one batch per queue; returns how many jobs became ready.
    @discardableResult
    public func promoteOnce() async throws -> Int {
        var moved = 0
        for queue in try await queues.queueNames() {
            moved += try await queues.promoteDue(queue, limit: batch).moved
        }
        return moved
    }

    /// Promotes until cancelled; a full batch means more is due, so it goes again at once.
    public func run() async {
        await loop.run { [self] in try await promoteOnce() >= batch }
    }
}
