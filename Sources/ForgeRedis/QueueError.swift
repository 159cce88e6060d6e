import ForgeCore

/// A request the queues refuse although Redis answered: the caller may retry later.
public struct QueueError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case historyBacklogFull, fenced, queueLimit
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The queue's history not yet archived to Postgres is over its limit (Postgres down or
        /// slow): enqueue is refused until the archiver catches up, so Redis memory stays bounded.
        public static let historyBacklogFull = Code(.historyBacklogFull)
        /// A scheduler duty ran with an older leader epoch than one that already acted on the
        /// queue: this replica lost the leader lock and must stop.
        public static let fenced = Code(.fenced)
        /// Enqueueing (or pausing) would create a queue beyond the configured number of queues.
        public static let queueLimit = Code(.queueLimit)

        public var description: String { base.rawValue }
    }

    public var code: Code
    public var queue: QueueName
    public var message: String

    public init(code: Code, queue: QueueName, message: String) {
        self.code = code
        self.queue = queue
        self.message = message
    }

    public var description: String { "queue \(queue): \(message)" }

    static func fenced(_ queue: QueueName, _ message: String) -> QueueError {
        QueueError(code: .fenced, queue: queue, message: "refused: \(message) (another scheduler leads now)")
    }

    static func queueLimit(_ queue: QueueName, limit: Int) -> QueueError {
        QueueError(
            code: .queueLimit,
            queue: queue,
            message: "not created: \(limit) queues exist, the configured limit; delete an empty queue or raise the limit"
        )
    }

    /// The error an enqueue script's `BACKPRESSURE` reply stands for.
    static func backpressure(_ queue: QueueName) -> QueueError {
        QueueError(
            code: .historyBacklogFull,
            queue: queue,
            message: "enqueue refused: history not yet archived to Postgres is over its limit; retry later"
        )
    }
}
