import Prometheus
import Synchronization

/// Forge's metric families (the README's Observability section lists them), each with HELP text.
///
/// Label values come from bounded sets (route templates, status codes, reasons), never from job
/// ids. Queue names and job types come from callers, so the `queue` and `type` labels are capped
/// here, for every service at once: the first ``LabelLimits`` distinct values a process sees keep
/// their own series, later ones are counted under `other`. One registry per process, rendered by
/// `/metrics`.
public final class ForgeMetrics: Sendable {
    /// Distinct values a capped label keeps per process before the rest become `other`.
    public struct LabelLimits: Sendable, Hashable {
        public var queue: Int
        public var type: Int

        public init(queue: Int = 100, type: Int = 100) {
            self.queue = queue
            self.type = type
        }
    }

    /// The value that stands for every value past a label's limit.
    public static let overflowLabel = "other"

    public let registry: PrometheusCollectorRegistry
    public let labelLimits: LabelLimits

    /// Wait: from enqueue or run_at to start, 1 ms … 1 h.
    public static let waitBuckets: [Double] = [
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 1800, 3600,
    ]
    /// Run time of a handler, 1 ms … 10 min.
    public static let runBuckets: [Double] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600]
    /// HTTP request latency, 0.5 ms … 10 s.
    public static let httpBuckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), labelLimits: LabelLimits = LabelLimits()) {
        self.registry = registry
        self.labelLimits = labelLimits
        // Families that only grow on failure exist at 0 from the start, so dashboards show 0
        // rather than "no data" and increase() sees the first error.
        _ = redisErrors
        _ = postgresErrors
    }

    public func jobsEnqueued(queue: String, type: String) -> Counter {
        counter("forge_jobs_enqueued_total", "Jobs accepted into a queue.", [("queue", queue), ("type", type)])
    }

    public func jobsCompleted(queue: String, type: String) -> Counter {
        counter("forge_jobs_completed_total", "Jobs whose handler succeeded.", [("queue", queue), ("type", type)])
    }

    /// `reason`: `error`, `timeout`, `no_handler`, `lease_lost`.
    public func jobsFailed(queue: String, type: String, reason: String) -> Counter {
        counter(
            "forge_jobs_failed_total",
            "Failed job attempts by reason.",
            [("queue", queue), ("type", type), ("reason", reason)]
        )
    }

    public func jobsRetried(queue: String) -> Counter {
        counter("forge_jobs_retried_total", "Failed attempts scheduled for another try.", [("queue", queue)])
    }

    public func jobsDead(queue: String) -> Counter {
        counter("forge_jobs_dead_total", "Jobs moved to the dead-letter set.", [("queue", queue)])
    }

    public func deadLettersTrimmed(queue: String) -> Counter {
        counter(
            "forge_dead_letters_trimmed_total",
            "Dead letters removed from Redis for exceeding the cap or age.",
            [("queue", queue)]
        )
    }

    public func jobRunSeconds(queue: String, type: String) -> ValueHistogram {
        histogram(
            "forge_job_run_seconds",
            "Handler run time in seconds.",
            [("queue", queue), ("type", type)],
            Self.runBuckets
        )
    }

    public func jobWaitSeconds(queue: String) -> ValueHistogram {
        histogram(
            "forge_job_wait_seconds",
            "Time from enqueue (or run_at) to start, in seconds.",
            [("queue", queue)],
            Self.waitBuckets
        )
    }

    public func queueJobs(queue: String, state: String) -> Gauge {
        gauge("forge_queue_jobs", "Jobs in a queue by state, sampled by the scheduler leader.", [("queue", queue), ("state", state)])
    }

    public func leasesExpired(queue: String) -> Counter {
        counter("forge_leases_expired_total", "Leases that passed their deadline and were reclaimed.", [("queue", queue)])
    }

    public func workerBusy(worker: String) -> Gauge {
        gauge("forge_worker_busy", "Jobs this worker process is running now.", [("worker", worker)])
    }

    public func workerConcurrency(worker: String) -> Gauge {
        gauge("forge_worker_concurrency", "Jobs this worker process may run at once.", [("worker", worker)])
    }

    /// Recoveries the scheduler leader started on finding that Redis lost its data.
    public var recoveries: Counter {
        counter("forge_recoveries_total", "Times the scheduler leader found Redis had lost its data and rebuilt jobs from history.", [])
    }

    /// `outcome`: `restored` (written back into Redis from history) or `present` (Redis had it).
    public func recoveryJobs(outcome: String) -> Counter {
        counter(
            "forge_recovery_jobs_total",
            "Unfinished jobs of history a recovery looked at, by whether it wrote them back into Redis.",
            [("outcome", outcome)]
        )
    }

    /// Jobs handed to remote workers by `POST /v1/queues/{queue}/lease`.
    public func remoteLeased(queue: String) -> Counter {
        counter("forge_remote_leased_total", "Jobs leased by remote workers through the HTTP lease API.", [("queue", queue)])
    }

    /// Lease to ack or fail, summed: with ``remoteIdleSeconds(queue:)``, remote workers'
    /// utilisation (`busy / (busy + idle)`), as `forge_worker_busy` gives the Swift workers'.
    public func remoteBusySeconds(queue: String) -> Counter {
        counter(
            "forge_remote_busy_seconds_total",
            "Seconds remote workers held leases that they acked or failed (lease to ack or fail).",
            [("queue", queue)]
        )
    }

    public func remoteIdleSeconds(queue: String) -> Counter {
        counter(
            "forge_remote_idle_seconds_total",
            "Seconds lease requests of remote workers waited for work (long-poll).",
            [("queue", queue)]
        )
    }

    public var remoteLeaseWaiters: Gauge {
        gauge("forge_remote_lease_waiters", "Lease requests of remote workers waiting for work in this gateway now.", [])
    }

    /// Handlers that ignored being stopped (at their job's timeout, or on a cancel or lost lease)
    /// for the runaway grace: the worker freed their slots and stopped waiting for them.
    public func workerRunawayHandlers(queue: String, type: String) -> Counter {
        counter(
            "forge_worker_runaway_handlers_total",
            "Handlers the worker gave up on for ignoring their stop past the runaway grace.",
            [("queue", queue), ("type", type)]
        )
    }

    /// Swift cannot kill a task: these keep their memory until they return or the process restarts.
    public func workerRunawayHandlersRunning(worker: String) -> Gauge {
        gauge(
            "forge_worker_runaway_handlers",
            "Handlers given up on that are still running in this worker process.",
            [("worker", worker)]
        )
    }

    public var historyLagSeconds: Gauge {
        gauge("forge_history_lag_seconds", "Age of the oldest job event not yet archived to Postgres.", [])
    }

    public var historyBacklogEntries: Gauge {
        gauge("forge_history_backlog_entries", "Event stream entries not yet archived to Postgres, over all queues.", [])
    }

    public var historyBacklogBytes: Gauge {
        gauge("forge_history_backlog_bytes", "Redis memory held by event streams not yet archived, over all queues.", [])
    }

    /// 0 when no limit is set.
    public var historyBacklogLimitBytes: Gauge {
        gauge(
            "forge_history_backlog_limit_bytes",
            "Per-queue unarchived history above which enqueue is refused (back-pressure); 0 = no limit.",
            []
        )
    }

    /// Queues whose enqueues are refused right now because their unarchived history is over the limit.
    public var historyBackpressureQueues: Gauge {
        gauge("forge_history_backpressure_queues", "Queues refusing enqueues until their history is archived.", [])
    }

    public func historyQuarantined(queue: String) -> Counter {
        counter(
            "forge_history_quarantined_total",
            "Jobs whose events Postgres refused, moved to history_quarantine.",
            [("queue", queue)]
        )
    }

    /// Cron ticks a schedule could not enqueue, by `reason`: `backpressure`, `queue_limit`,
    /// `invalid` (a schedule or job template that cannot become a job) or `error`. No schedule
    /// label: names come from callers; the log names the schedule.
    public func cronFailures(reason: String) -> Counter {
        counter("forge_cron_failures_total", "Cron ticks not enqueued, by reason.", [("reason", reason)])
    }

    public var schedulerLeader: Gauge {
        gauge("forge_scheduler_leader", "1 while this scheduler replica holds the leader lease.", [])
    }

    public func httpRequests(route: String, method: String, status: String) -> Counter {
        counter(
            "forge_http_requests_total",
            "HTTP requests served.",
            [("route", route), ("method", method), ("status", status)]
        )
    }

    public func httpRequestSeconds(route: String, method: String) -> ValueHistogram {
        histogram(
            "forge_http_request_seconds",
            "HTTP request latency in seconds.",
            [("route", route), ("method", method)],
            Self.httpBuckets
        )
    }

    public var redisErrors: Counter {
        counter("forge_redis_errors_total", "Redis calls that failed.", [])
    }

    public var postgresErrors: Counter {
        counter("forge_postgres_errors_total", "Postgres calls that failed.", [])
    }

    /// The exposition text for `/metrics`.
    public func render() -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16_384)
        registry.emit(into: &buffer)
        return buffer
    }

    /// Removes a gauge from `/metrics` (a former leader's depth samples).
    public func unregister(_ gauge: Gauge) {
        state.withLock { state in
            if let key = state.handles.first(where: { ($0.value as? Gauge) === gauge })?.key { state.handles[key] = nil }
        }
        registry.unregisterGauge(gauge)
    }

    /// The value a `queue` or `type` label gets for `value`: itself while the label has room,
    /// else ``overflowLabel``. Other label names are not capped.
    public func label(_ name: String, _ value: String) -> String {
        state.withLock { $0.cap(name, value, labelLimits) }
    }

    // The registry validates names and labels and locks on every lookup; hot paths (every job,
    // every request) ask for the same few series again and again, so handles are kept here, under
    // the same lock as the capped labels' admitted values.
    private struct HandleKey: Hashable {
        var name: String
        var labels: [String]
    }

    private struct State {
        var handles: [HandleKey: any AnyObject & Sendable] = [:]
        var admitted: [String: Set<String>] = [:]

        mutating func cap(_ name: String, _ value: String, _ limits: LabelLimits) -> String {
            let limit: Int
            switch name {
            case "queue": limit = limits.queue
            case "type": limit = limits.type
            default: return value
            }
            if admitted[name]?.contains(value) == true { return value }
            guard admitted[name, default: []].count < limit else { return ForgeMetrics.overflowLabel }
            admitted[name, default: []].insert(value)
            return value
        }
    }

    private let state = Mutex<State>(State())

    private func handle<Metric: AnyObject & Sendable>(
        _ name: String,
        _ labels: [(String, String)],
        make: ([(String, String)]) -> Metric
    ) -> Metric {
        // Looked up on every job: one array for the key, the labels' names only paired again
        // when a metric is made.
        let (key, found) = state.withLock { state in
            var values: [String] = []
            values.reserveCapacity(labels.count)
            for (label, value) in labels { values.append(state.cap(label, value, labelLimits)) }
            let key = HandleKey(name: name, labels: values)
            return (key, state.handles[key])
        }
        if let found = found as? Metric { return found }
        let made = make(zip(labels, key.labels).map { ($0.0.0, $0.1) })
        state.withLock { $0.handles[key] = made }
        return made
    }

    private func counter(_ name: String, _ help: String, _ labels: [(String, String)]) -> Counter {
        handle(name, labels) { registry.makeCounter(descriptor: Self.descriptor(name, help), labels: $0) }
    }

    private func gauge(_ name: String, _ help: String, _ labels: [(String, String)]) -> Gauge {
        handle(name, labels) { registry.makeGauge(descriptor: Self.descriptor(name, help), labels: $0) }
    }

    private func histogram(_ name: String, _ help: String, _ labels: [(String, String)], _ buckets: [Double]) -> ValueHistogram {
        handle(name, labels) {
            registry.makeValueHistogram(descriptor: Self.descriptor(name, help), labels: $0, buckets: buckets)
        }
    }

    private static func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }
}
