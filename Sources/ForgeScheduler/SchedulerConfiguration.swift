import ForgeCore
import ForgeObservability
import ForgeRedis

/// How often each scheduler duty runs and how the leader lease behaves.
///
/// The defaults (docs/architecture.md, Processes): a 5 s lease (takeover within a few seconds), promotion every
/// 200 ms and reclaiming every 250 ms (an expired lease is back within about a second). Tests
/// shrink the intervals and inject ``now`` so nothing waits for real minutes.
public struct SchedulerConfiguration: Sendable {
    /// This replica's identity in the leader lock (`hostname-pid` by default in the executable).
    public var id: String
    /// Leader lock TTL; the leader renews and followers retry every third of it.
    public var leaderTTLMs: Int64
    public var promoteInterval: Duration
    public var reclaimInterval: Duration
    /// How often the cron firer looks for due ticks (well under a second, for 6-field schedules).
    public var cronInterval: Duration
    /// How long the archiver waits when the event streams were empty.
    public var archiveIdleInterval: Duration
    public var retentionInterval: Duration
    /// Finished jobs older than this many days leave Postgres.
    public var retentionDays: Int
    public var depthSampleInterval: Duration
    /// How often the history lag and backlog are measured (and back-pressure decided).
    public var backlogSampleInterval: Duration
    /// Unarchived history per queue (bytes of Redis memory) above which enqueue is refused until
    /// the archiver catches up; 0 for no limit. Bounds Redis memory while Postgres is down.
    public var historyBacklogLimitBytes: Int

    /// 256 MiB per queue: at ~150 bytes per small event, over a million jobs' worth of history,
    /// or about ten minutes of a 2 000 jobs/s queue with Postgres down.
    public static let defaultHistoryBacklogLimitBytes = 256 << 20
    /// Dead letters kept per queue in Redis (oldest leave first); 0 for no cap.
    public var deadLetterMax: Int
    /// How long a dead letter stays in Redis; 0 for no limit. Postgres keeps it after.
    public var deadLetterMaxAgeMs: Int64
    public var deadLetterInterval: Duration
    /// Most queues there may be (`FORGE_MAX_QUEUES`, as the gateway's): a cron tick for a queue
    /// that is not registered while the registry is full is refused, counted and tried again.
    /// `nil`: no limit.
    public var maxQueues: Int?
    /// `FORGE_DURABILITY=postgres`: a cron tick's job gets its history row committed before Redis
    /// sees it, as the gateway's enqueues do, so it survives Redis losing its data.
    public var persistsTicksBeforeRedis: Bool
    /// The clock (Unix ms) for cron ticks and retention cut-offs; `nil` is Redis `TIME`, the one
    /// clock all replicas share, so a replica with a skewed clock neither fires early nor late.
    /// Tests inject their own.
    public var now: (@Sendable () async throws -> Int64)?

    public init(
        id: String,
        leaderTTLMs: Int64 = 5000,
        promoteInterval: Duration = .milliseconds(200),
        reclaimInterval: Duration = .milliseconds(250),
        cronInterval: Duration = .milliseconds(200),
        archiveIdleInterval: Duration = .milliseconds(75),
        retentionInterval: Duration = .seconds(60),
        retentionDays: Int = 14,
        depthSampleInterval: Duration = .seconds(2),
        backlogSampleInterval: Duration = .seconds(1),
        historyBacklogLimitBytes: Int = SchedulerConfiguration.defaultHistoryBacklogLimitBytes,
        deadLetterMax: Int = 10_000,
        deadLetterMaxAgeMs: Int64 = 180 * 86_400_000,
        deadLetterInterval: Duration = .seconds(60),
        maxQueues: Int? = QueueStore.defaultMaxQueues,
        persistsTicksBeforeRedis: Bool = false,
        now: (@Sendable () async throws -> Int64)? = nil
    ) {
        self.id = id
        self.leaderTTLMs = leaderTTLMs
        self.promoteInterval = promoteInterval
        self.reclaimInterval = reclaimInterval
        self.cronInterval = cronInterval
        self.archiveIdleInterval = archiveIdleInterval
        self.retentionInterval = retentionInterval
        self.retentionDays = retentionDays
        self.depthSampleInterval = depthSampleInterval
        self.backlogSampleInterval = backlogSampleInterval
        self.historyBacklogLimitBytes = historyBacklogLimitBytes
        self.deadLetterMax = deadLetterMax
        self.deadLetterMaxAgeMs = deadLetterMaxAgeMs
        self.deadLetterInterval = deadLetterInterval
        self.maxQueues = maxQueues
        self.persistsTicksBeforeRedis = persistsTicksBeforeRedis
        self.now = now
    }
}
