/// Every figure of one run, as `--json` writes it (snake_case keys) and the table shows it.
public struct LoadReport: Sendable, Codable {
    public struct Settings: Sendable, Codable {
        public var url: String
        /// `open` (constant arrival rate) or `max` (closed loop).
        public var mode: String
        /// Offered jobs/s (`--rps`) and the request rate that makes with `--batch`; nil with `--max`.
        public var offeredJobsPerSecond: Double?
        public var offeredRequestsPerSecond: Double?
        public var durationSeconds: Double
        public var warmupSeconds: Double
        public var connections: Int
        public var batch: Int
        public var queue: String
        /// With `--queues N`: the jobs went round-robin to `<queue>-0` … `<queue>-(N-1)`.
        public var queueCount: Int?
        public var type: String
        public var sleepMs: Int?
        public var payloadBytes: Int
        public var delayMs: Int?
        public var maxAttempts: Int?
        public var backoffMs: Int?
    }

    /// What the generator saw: the enqueue side.
    public struct Enqueue: Sendable, Codable {
        public var requests: Int
        public var okRequests: Int
        public var acceptedJobs: Int
        /// Batch items the gateway refused one by one.
        public var refusedJobs: Int
        /// Failed requests by kind (`http_503`, `timeout`, `connection`, …).
        public var errors: [String: Int]
        public var errorCount: Int
        /// Requests that started more than `late_threshold_ms` after they were due.
        public var lateRequests: Int
        public var lateThresholdMs: Double
        /// From the measurement start until the last measured answer (at least the duration).
        public var elapsedSeconds: Double
        public var achievedRequestsPerSecond: Double
        public var achievedJobsPerSecond: Double
        /// From due time (open loop) or send time (`--max`) to the answer.
        public var latencyMs: LatencySummary
        public var warmupRequests: Int
        public var generatorCPUSeconds: Double
    }

    /// What the system reported about the same jobs.
    public struct System: Sendable, Codable {
        public var metricsEndpoints: [String]
        /// Completions of the queue during the measurement (gateway's queue counter, else metrics).
        public var completedJobs: Double?
        public var completedPerSecond: Double?
        /// Completions from the gateway's counter from measurement start until the drain ended.
        public var completedThroughDrain: Double?
        /// The same from the workers' `forge_jobs_completed_total` (only the scraped workers).
        public var completedJobsMetrics: Double?
        public var failedAttempts: Double?
        public var retried: Double?
        public var dead: Double?
        /// Enqueue (or run_at) → start, from the workers' histograms between measurement start
        /// and the end of the drain, interpolated within buckets like `histogram_quantile`.
        public var waitMs: WaitSummary?
        public var historyLagMaxSeconds: Double?
        public var backlogMax: Int?
        public var backlogEnd: Int?
        public var drained: Bool?
        public var drainSeconds: Double?
        /// Worker utilisation: mean busy ÷ concurrency over the measurement.
        public var workerUtilisation: Double?
        /// CPU seconds per endpoint during the measurement, its resident memory in MB as the load
        /// started (idle, if nothing ran before), and the largest during the measurement.
        public var cpuSeconds: [String: Double]
        public var residentStartMB: [String: Double] = [:]
        public var residentMaxMB: [String: Double]
    }

    public struct WaitSummary: Sendable, Codable {
        public var count: Double
        public var p50: Double?
        public var p90: Double?
        public var p99: Double?
        public var mean: Double?
    }

    /// One second of the run, by due time for the enqueue side and by sample for the system.
    public struct Second: Sendable, Codable {
        /// Seconds since the measurement start (the drain continues past the duration).
        public var t: Int
        /// Requests due in this second, the jobs they got accepted, failed and late ones.
        public var requests: Int
        public var acceptedJobs: Int
        /// Jobs whose acceptance arrived in this second.
        public var answeredJobs: Int
        public var errors: Int
        public var late: Int
        public var p50Ms: Double?
        public var p99Ms: Double?
        public var completedPerSecond: Double?
        public var waitP50Ms: Double?
        public var waitP99Ms: Double?
        public var backlog: Int?
        public var historyLagSeconds: Double?
    }

    public var tool = "forge-load"
    public var startedAt: String
    public var settings: Settings
    public var enqueue: Enqueue
    public var system: System
    public var series: [Second]
}
