import ForgeObservability
import ForgePostgres
import ForgeRedis
import Logging
import ServiceLifecycle

/// The scheduler replica: competes for the leader lease and, only while it leads, runs the duties
/// (promoter, reclaimer, cron firer, archiver, retention, dead-letter janitor, queue-depth and
/// history-backlog samplers),
/// each in its own
/// task with its own loop.
///
/// Losing the lease cancels the duties at once; winning it starts them afresh. On graceful
/// shutdown the duties stop first, then the lease is released so a standby takes over without
/// waiting for the TTL. Redis and Postgres failures are logged, counted and retried with backoff
/// inside each duty; they never end the service.
public struct SchedulerService: Service {
    public let lease: LeaderLease
    private let duties: [@Sendable () async -> Void]
    private let readiness: Readiness?
    private let logger: Logger

    public init(
        configuration: SchedulerConfiguration,
        queues: QueueStore,
        schedules: ScheduleStore,
        history: HistoryStore,
        metrics: ForgeMetrics,
        readiness: Readiness? = nil,
        logger: Logger
    ) {
        let reporter = FailureReporter(metrics: metrics, logger: logger)
        lease = LeaderLease(
            redis: queues.redis,
            keys: queues.keys,
            id: configuration.id,
            ttlMs: configuration.leaderTTLMs,
            metrics: metrics,
            logger: logger
        )
        let lease = lease
        // Read when a pass starts; throws once the lease is lost, so no pass runs unfenced.
        let epoch: @Sendable () throws -> Int64? = { try lease.currentEpoch() }
        let now = configuration.now ?? { try await queues.serverTime() }
        let promoter = Promoter(
            queues: queues,
            interval: configuration.promoteInterval,
            epoch: epoch,
            reporter: reporter
        )
        let reclaimer = Reclaimer(
            queues: queues,
            metrics: metrics,
            interval: configuration.reclaimInterval,
            epoch: epoch,
            reporter: reporter
        )
        let cron = CronFirer(
            schedules: schedules,
            queues: queues,
            maxQueues: configuration.maxQueues,
            history: configuration.persistsTicksBeforeRedis ? history : nil,
            interval: configuration.cronInterval,
            now: now,
            metrics: metrics,
            reporter: reporter,
            logger: logger
        )
        let janitor = DeadLetterJanitor(
            queues: queues,
            metrics: metrics,
            cap: configuration.deadLetterMax,
            maxAgeMs: configuration.deadLetterMaxAgeMs,
            interval: configuration.deadLetterInterval,
            epoch: epoch,
            reporter: reporter,
            logger: logger
        )
        // What the archiver archived is what the depth sampler reads again.
        let activity = QueueActivity()
        let archiver = ArchiverService(
            archiver: HistoryArchiver(queues: queues, history: history),
            metrics: metrics,
            idleInterval: configuration.archiveIdleInterval,
            activity: activity,
            reporter: reporter,
            logger: logger
        )
        let backlog = HistoryBacklogSampler(
            queues: queues,
            metrics: metrics,
            limitBytes: configuration.historyBacklogLimitBytes,
            interval: configuration.backlogSampleInterval,
            reporter: reporter,
            logger: logger
        )
        let retention = Retention(
            history: history,
            days: configuration.retentionDays,
            interval: configuration.retentionInterval,
            now: now,
            reporter: reporter,
            logger: logger
        )
        let sampler = QueueDepthSampler(
            queues: queues,
            metrics: metrics,
            interval: configuration.depthSampleInterval,
            activity: activity,
            reporter: reporter
        )
        let lossWatch = RedisLossWatch(
            queues: queues,
            history: history,
            metrics: metrics,
            epoch: epoch,
            reporter: reporter,
            logger: logger
        )
        duties = [
            { await lossWatch.run() }, { await promoter.run() }, { await reclaimer.run() }, { await cron.run() }, { await archiver.run() },
            { await retention.run() }, { await sampler.run() }, { await backlog.run() }, { await janitor.run() },
        ]
        self.readiness = readiness
        self.logger = logger
    }

    public func run() async throws {
        logger.info("scheduler starting", metadata: ["id": "\(lease.id)", "leader_ttl_ms": "\(lease.ttlMs)"])
        await withGracefulShutdownHandler {
            await cancelWhenGracefulShutdown { [lease, self] in
                await withDiscardingTaskGroup { group in
                    group.addTask { await lease.run() }
                    await lead()
                }
            }
        } onGracefulShutdown: { [readiness] in
            readiness?.markDraining()
        }
        // The duties have stopped (the group above waited for them): hand the lock over now.
        await lease.release()
        logger.info("scheduler stopped", metadata: ["id": "\(lease.id)"])
    }

    /// Runs the duties during each leadership period; returns when the task is cancelled.
    private func lead() async {
        var changes = lease.changes().makeAsyncIterator()
        while let leading = await changes.next() {
            guard leading else { continue }
            await withDiscardingTaskGroup { group in
                for duty in duties { group.addTask { await duty() } }
                // Until a step-down (false) or cancellation (nil) ends this leadership period.
                while let still = await changes.next(), still {}
                group.cancelAll()
            }
        }
    }
}
