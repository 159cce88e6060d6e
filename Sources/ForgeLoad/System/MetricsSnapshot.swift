/// The figures forge-load reads from the services' `/metrics` at one moment, summed over every
/// scraped endpoint and kept to the run's queues. Counters only grow, so a run's figures are the
/// differences between two snapshots.
public struct MetricsSnapshot: Sendable, Equatable {
    /// `forge_jobs_completed_total{queue}` over all workers.
    public var completed = 0.0
    /// `forge_jobs_failed_total{queue}` (every reason), `forge_jobs_retried_total`, `forge_jobs_dead_total`.
    public var failed = 0.0
    public var retried = 0.0
    public var dead = 0.0
    /// `forge_job_wait_seconds{queue}`: cumulative bucket counts by upper bound, summed over workers.
    public var wait = BucketCounts()
    /// `forge_history_lag_seconds`, the largest over the schedulers (only the leader's is non-zero).
    public var historyLag = 0.0
    /// `forge_queue_jobs{queue, state="pending"}`, as the scheduler leader last sampled it.
    public var pending: Double?
    /// `forge_worker_busy` and `forge_worker_concurrency` over all workers.
    public var busy = 0.0
    public var concurrency = 0.0
    /// `process_cpu_seconds_total` and `process_resident_memory_bytes` per endpoint URL.
    public var cpuSeconds: [String: Double] = [:]
    public var residentBytes: [String: Double] = [:]
    /// Endpoints that answered.
    public var endpoints: [String] = []

    public init() {}

    /// Adds one endpoint's samples, keeping only `queue`'s series where there is a queue label.
    public mutating func add(_ samples: [MetricSample], from endpoint: String, queue: String) {
        add(samples, from: endpoint, queues: [queue])
    }

    /// Adds one endpoint's samples, keeping only the series of `queues` where there is a queue
    /// label (summed over them).
    public mutating func add(_ samples: [MetricSample], from endpoint: String, queues: Set<String>) {
        endpoints.append(endpoint)
        for sample in samples {
            let ours = sample.labels["queue"].map { queues.contains($0) } ?? true
            switch sample.name {
            case "forge_jobs_completed_total" where ours: completed += sample.value
            case "forge_jobs_failed_total" where ours: failed += sample.value
            case "forge_jobs_retried_total" where ours: retried += sample.value
            case "forge_jobs_dead_total" where ours: dead += sample.value
            case "forge_job_wait_seconds_bucket" where ours:
                if let bound = sample.labels["le"].flatMap(Self.bound) { wait.add(bound, sample.value) }
            case "forge_job_wait_seconds_count" where ours: wait.count += sample.value
            case "forge_job_wait_seconds_sum" where ours: wait.sum += sample.value
            case "forge_history_lag_seconds": historyLag = max(historyLag, sample.value)
            case "forge_queue_jobs" where ours && sample.labels["state"] == "pending":
                pending = (pending ?? 0) + sample.value
            case "forge_worker_busy": busy += sample.value
            case "forge_worker_concurrency": concurrency += sample.value
            case "process_cpu_seconds_total": cpuSeconds[endpoint] = sample.value
            case "process_resident_memory_bytes": residentBytes[endpoint] = sample.value
            default: break
            }
        }
    }

    private static func bound(_ text: String) -> Double? { text == "+Inf" ? .infinity : Double(text) }
}
