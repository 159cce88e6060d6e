import ForgeCore
import Synchronization

/// The queues whose depths may have changed since the depth sampler last looked.
///
/// Every change of a queue's depth is a transition, every transition writes an event, and every
/// event passes through the archiver: what the archiver archived (or has still to archive, in
/// ``KeySpace/unarchived``) is what the sampler reads again. The rest keep their last sample.
public final class QueueActivity: Sendable {
    private let changed = Mutex<Set<QueueName>>([])

    public init() {}

    public func note(_ queues: some Sequence<QueueName>) {
        changed.withLock { $0.formUnion(queues) }
    }

    /// The queues noted since the last call.
    public func take() -> Set<QueueName> {
        changed.withLock { changed in
            defer { changed = [] }
            return changed
        }
    }
}
