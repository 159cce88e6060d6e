import ForgeCore
import ForgeObservability
import ForgeRedis
import Logging
import Prometheus

/// Keeps every queue's dead-letter set within its cap and age (asynq's `janitor`, Sidekiq's
/// 10 000 dead jobs kept for six months): the oldest dead letters and their job hashes leave
/// Redis, each with a `removed` event, while Postgres keeps their history. Fenced by the
/// leader's epoch like the other duties.
public struct DeadLetterJanitor: Sendable {
    private let queues: QueueStore
    private let metrics: ForgeMetrics
    private let cap: Int
    private let maxAgeMs: Int64
    private let epoch: @Sendable () throws -> Int64?
    private let logger: Logger
    private let loop: DutyLoop
    private let sweep: QueueSweep

    /// - Parameters:
    ///   - cap: dead letters kept per queue; 0 for no cap.
    ///   - maxAgeMs: how long a dead letter is kept; 0 for no limit.
    public init(
        queues: QueueStore,
        metrics: ForgeMetrics,
        cap: Int,
        maxAgeMs: Int64,
        interval: Duration = .seconds(60),
        epoch: @escaping @Sendable () throws -> Int64? = { nil },
        reporter: FailureReporter,
        logger: Logger
    ) {
        self.queues = queues
        self.metrics = metrics
        self.cap = max(0, cap)
        self.maxAgeMs = max(0, maxAgeMs)
        self.epoch = epoch
        self.logger = logger
        loop = DutyLoop(name: "dead-letter-janitor", interval: interval, reporter: reporter)
        sweep = QueueSweep(duty: "dead-letter-janitor", reporter: reporter)
    }

    /// Trims every queue's dead letters; returns how many left Redis.
    @discardableResult
    public func trimOnce() async throws -> Int {
        guard cap > 0 || maxAgeMs > 0 else { return 0 }
        let fence = try epoch()
        var total = 0
        // One pipelined look first: a queue without dead letters costs no script call.
        try await sweep.run(try await queues.queuesWithDeadLetters(among: try await queues.queueNames())) { queue in
            var removed = 0
            var more = true
            while more && !Task.isCancelled {
                let pass = try await queues.trimDeadLetters(queue, cap: cap, maxAgeMs: maxAgeMs, epoch: fence)
                removed += pass.removed
                more = pass.more
            }
            guard removed > 0 else { return }
            metrics.deadLettersTrimmed(queue: queue.rawValue).increment(by: Int64(removed))
            logger.info(
                "dead letters beyond the cap or age left Redis (history keeps them)",
                metadata: ["queue": "\(queue)", "count": "\(removed)", "cap": "\(cap)", "max_age_ms": "\(maxAgeMs)"]
            )
            total += removed
        }
        return total
    }

    public func run() async {
        await loop.run { [self] in
            _ = try await trimOnce()
            return false
        }
    }
}
