/// The result of a scaling run: one row per worker count and every step's full report.
public struct ScaleReport: Sendable, Codable {
    public struct Step: Sendable, Codable {
        public var workers: Int
        public var offeredJobsPerSecond: Double?
        public var acceptedJobsPerSecond: Double
        public var completedJobsPerSecond: Double?
        public var waitP50Ms: Double?
        public var waitP99Ms: Double?
        public var enqueueP99Ms: Double
        public var errors: Int
        /// Throughput at N ÷ (N/N₀ × throughput at N₀), N₀ the smallest count (normally 1).
        public var efficiency: Double?
        /// CPU seconds of the step's workers together, and per completed job in µs.
        public var workerCPUSeconds: Double?
        public var workerCPUMicrosPerJob: Double?
    }

    public var tool = "forge-load scale"
    public var steps: [Step]
    public var runs: [LoadReport]

    /// One step: its worker count, its report, and its workers' `/metrics` URLs (for their CPU).
    public typealias Run = (workers: Int, report: LoadReport, workerEndpoints: [String])

    public init(runs: [Run]) {
        self.runs = runs.map(\.report)
        let base = runs.first.flatMap { first in first.report.system.completedPerSecond.map { (first.workers, $0) } }
        steps = runs.map { workers, report, endpoints in
            let completed = report.system.completedPerSecond
            var step = Step(
                workers: workers,
                offeredJobsPerSecond: report.settings.offeredJobsPerSecond,
                acceptedJobsPerSecond: report.enqueue.achievedJobsPerSecond,
                completedJobsPerSecond: completed,
                waitP50Ms: report.system.waitMs?.p50,
                waitP99Ms: report.system.waitMs?.p99,
                enqueueP99Ms: report.enqueue.latencyMs.p99,
                errors: report.enqueue.errorCount
            )
            if let (baseWorkers, baseRate) = base, let completed, baseRate > 0 {
                step.efficiency = completed / (Double(workers) / Double(baseWorkers) * baseRate)
            }
            let cpu = endpoints.compactMap { report.system.cpuSeconds[$0] }
            if !cpu.isEmpty {
                step.workerCPUSeconds = cpu.reduce(0, +)
                if let jobs = report.system.completedJobs, jobs > 0 { step.workerCPUMicrosPerJob = cpu.reduce(0, +) / jobs * 1e6 }
            }
            return step
        }
    }
}
