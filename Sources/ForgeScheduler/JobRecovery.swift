import ForgeCore
import ForgeObservability
import ForgePostgres
import ForgeRedis
import Prometheus

/// Rebuilds in Redis, from Postgres history, every job that has not finished: what a Redis that
/// came back empty (or from an old snapshot) lost.
///
/// History holds each job as of its last archived event: pending and scheduled jobs go back as
/// they were, retrying ones are due at their retry time, and running ones lost their lease with
/// the Redis that held it, so they count the attempt and are pending again (``RestoreScript``).
/// A job Redis still has is left alone, so a recovery never duplicates a job and can be run at
/// any time, as often as wanted (`forge recover`, or the scheduler leader when it finds Redis
/// empty). What it cannot bring back: transitions Redis had not archived yet when it lost its
/// data (a job enqueued within the archive lag, unless the gateway runs with
/// `FORGE_DURABILITY=postgres`; a completion not archived yet, which then runs once more).
///
/// Then it puts back what else lived only in Redis, from the copy the leader keeps in history's
/// schema (``RedisMirror``): cron schedules Redis lacks, and paused flags.
///
/// Progress goes to `forge_recovery_jobs_total{outcome}` as it happens.
public struct JobRecovery: Sendable {
    public let queues: QueueStore
    public let schedules: ScheduleStore
    public let history: HistoryStore
    public let metrics: ForgeMetrics
    /// History rows read per round trip.
    public let pageSize: Int

    public init(queues: QueueStore, history: HistoryStore, metrics: ForgeMetrics, pageSize: Int = 1000) {
        self.queues = queues
        schedules = ScheduleStore(redis: queues.redis, keys: queues.keys)
        self.history = history
        self.metrics = metrics
        self.pageSize = pageSize
    }

    /// Walks every unfinished job of history once, restoring those Redis lacks; `progress` sees
    /// the running totals after each page.
    public func run(progress: (RestoreOutcome) -> Void = { _ in }) async throws -> RestoreOutcome {
        var total = RestoreOutcome()
        for state in HistoryStore.unfinishedStates {
            var cursor: UnfinishedCursor?
            repeat {
                let page = try await history.unfinishedJobs(state, after: cursor, limit: pageSize)
                var byQueue: [QueueName: [RestoredJob]] = [:]
                var order: [QueueName] = []
                for job in page.jobs {
                    if byQueue[job.record.queue] == nil { order.append(job.record.queue) }
                    byQueue[job.record.queue, default: []].append(Self.restored(job))
                }
                for queue in order {
                    let outcome = try await queues.restore(byQueue[queue] ?? [], into: queue)
                    metrics.recoveryJobs(outcome: "restored").increment(by: Int64(outcome.restored))
                    metrics.recoveryJobs(outcome: "present").increment(by: Int64(outcome.present))
                    total = total + outcome
                }
                progress(total)
                cursor = page.next
            } while cursor != nil
        }
        try await restoreMirror()
        return total
    }

    /// Schedules Redis lacks and paused flags, from the mirror; returns how many schedules came back.
    @discardableResult
    func restoreMirror() async throws -> Int {
        let mirror = try await history.mirror()
        var restored = 0
        for schedule in mirror.schedules where try await schedules.get(schedule.name) == nil {
            try await schedules.put(schedule)
            restored += 1
        }
        for queue in mirror.paused { try await queues.pause(queue) }
        return restored
    }

    /// What lives only in Redis besides jobs, as it is now.
    func currentMirror() async throws -> RedisMirror {
        RedisMirror(schedules: try await schedules.all(), paused: try await queues.pausedQueues())
    }

    /// The job as Redis should hold it; what rows from before migration 7 lack gets a new job's defaults.
    static func restored(_ job: UnfinishedJob) -> RestoredJob {
        let record = job.record
        return RestoredJob(
            id: record.id,
            type: record.type,
            payload: record.payload,
            priority: record.priority,
            maxAttempts: record.maxAttempts,
            attempts: record.attempts,
            state: record.state,
            timeoutMs: job.timeoutMs ?? NewJob.defaultTimeoutMs,
            backoff: job.backoff ?? .standard,
            uniqueKey: record.uniqueKey,
            createdAtMs: record.createdAtMs,
            runAtMs: record.runAtMs,
            seq: job.seq
        )
    }
}
