import ForgeCore
import ForgeObservability
import ForgePostgres
import ForgeRedis
import Logging
import Prometheus
import Synchronization

/// Notices a Redis that lost its data, and gives the jobs back from history (``JobRecovery``).
///
/// Redis and Postgres hold the same generation (``KeySpace/generation``, `redis_generation`).
/// A Redis without one came back empty (no AOF, a new node, a `FLUSHALL`); one with another
/// came back from a snapshot older than the last recovery. Either way the leader rebuilds every
/// unfinished job of history that Redis lacks, then draws a new generation and records it in
/// Postgres first and Redis second: a crash between the two makes the next pass recover again,
/// which changes nothing (a recovery never duplicates a job). A fresh installation (neither
/// has one) or an upgraded one (only Redis has one) just records a generation.
///
/// While Redis has its data, each pass also copies what else lives only there (cron schedules,
/// paused queues) into history's schema when it changed (``RedisMirror``), for the recovery to
/// put back: a change made less than a pass before Redis lost its data is not in the copy.
///
/// What it cannot see: a Redis restored from a snapshot taken since the last generation change,
/// and on a Redis Cluster a shard that lost its data while the node holding the key did not.
/// `forge recover` covers those, run by hand.
public final class RedisLossWatch: Sendable {
    let queues: QueueStore
    let history: HistoryStore
    let recovery: JobRecovery
    let metrics: ForgeMetrics
    let logger: Logger
    let epoch: @Sendable () throws -> Int64?
    let loop: DutyLoop
    /// The mirror last saved by this process, so an unchanged one is not written again.
    private let saved = Mutex<RedisMirror?>(nil)

    public init(
        queues: QueueStore,
        history: HistoryStore,
        metrics: ForgeMetrics,
        interval: Duration = .seconds(5),
        epoch: @escaping @Sendable () throws -> Int64? = { nil },
        reporter: FailureReporter,
        logger: Logger
    ) {
        self.queues = queues
        self.history = history
        self.metrics = metrics
        self.logger = logger
        self.epoch = epoch
        recovery = JobRecovery(queues: queues, history: history, metrics: metrics)
        loop = DutyLoop(name: "redis-loss-watch", interval: interval, reporter: reporter)
        // At 0 from the start, so an alert sees the first recovery as an increase.
        _ = metrics.recoveries
    }

    public func run() async {
        await loop.run {
            _ = try await check()
            return false
        }
    }

    /// One look; returns what a recovery did, or `nil` when Redis has its data.
    @discardableResult
    public func check() async throws -> RestoreOutcome? {
        let known = try await history.redisGeneration()
        let current = try await queues.generation()
        if let known, known == current {
            try await mirror()
            return nil
        }
        guard let known else {
            // Nothing recorded yet: this Redis is the one history goes with.
            let held = try await queues.setGeneration(current ?? Self.newGeneration(), onlyIfMissing: true)
            if let held { try await history.setRedisGeneration(held) }
            return nil
        }
        _ = try epoch()
        let reason = current == nil ? "has no generation (it came back empty)" : "has generation \(current ?? "") instead of \(known)"
        logger.warning("Redis lost data: rebuilding unfinished jobs from history", metadata: ["reason": "\(reason)"])
        metrics.recoveries.increment()
        let outcome = try await recovery.run()
        _ = try epoch()
        let next = Self.newGeneration()
        try await history.setRedisGeneration(next)
        try await queues.setGeneration(next)
        logger.warning(
            "Redis recovered from history",
            metadata: ["restored": "\(outcome.restored)", "present": "\(outcome.present)", "generation": "\(next)"]
        )
        return outcome
    }

    /// Saves the schedules and paused flags when they changed since the last save.
    func mirror() async throws {
        let current = try await recovery.currentMirror()
        guard saved.withLock({ $0 }) != current else { return }
        try await history.saveMirror(current)
        saved.withLock { $0 = current }
    }

    static func newGeneration() -> String { JobID.generate().rawValue }
}
