import ForgeCore
import ForgeObservability
import Prometheus

/// The worker's view of ``ForgeMetrics``: every label value it uses comes from a bounded set
/// (configured queue names, registered handler types, a fixed list of reasons).
package struct WorkerMetrics: Sendable {
    enum FailureReason: String {
        case error, timeout
        case noHandler = "no_handler"
        case leaseLost = "lease_lost"
    }

    let metrics: ForgeMetrics
    let handlers: HandlerRegistry
    let worker: String

    /// This worker's own gauges, looked up once: `busy` changes twice per job, and each lookup by
    /// name and labels cost three allocations and a hash of the labels.
    private let busyGauge: Gauge
    private let runawaysGauge: Gauge

    package init(metrics: ForgeMetrics, handlers: HandlerRegistry, worker: String) {
        self.metrics = metrics
        self.handlers = handlers
        self.worker = worker
        busyGauge = metrics.workerBusy(worker: worker)
        runawaysGauge = metrics.workerRunawayHandlersRunning(worker: worker)
    }

    func type(_ job: LeasedJob) -> String { handlers.metricLabel(for: job.type) }

    /// Creates (registering is all it takes) every per-queue series at 0 for `queues` and the registered types, so alerts and
    /// dashboards see a series (and `increase()` the first failure) before anything happens.
    func prepare(_ queues: [QueueName]) {
        for queue in queues.map(\.rawValue) {
            _ = metrics.jobsRetried(queue: queue)
            _ = metrics.jobsDead(queue: queue)
            for type in handlers.types.map({ handlers.metricLabel(for: $0) }) {
                _ = metrics.jobsCompleted(queue: queue, type: type)
                _ = metrics.workerRunawayHandlers(queue: queue, type: type)
                for reason in [FailureReason.error, .timeout, .noHandler, .leaseLost] {
                    _ = metrics.jobsFailed(queue: queue, type: type, reason: reason.rawValue)
                }
            }
        }
    }

    func started(_ job: LeasedJob) {
        let waitMs = max(0, job.leasedAtMs - job.readyAtMs)
        metrics.jobWaitSeconds(queue: job.queue.rawValue).record(Double(waitMs) / 1000)
    }

    func ran(_ job: LeasedJob, for duration: Duration) {
        metrics.jobRunSeconds(queue: job.queue.rawValue, type: type(job)).record(duration.seconds)
    }

    func completed(_ job: LeasedJob) {
        metrics.jobsCompleted(queue: job.queue.rawValue, type: type(job)).increment()
    }

    func failed(_ job: LeasedJob, _ reason: FailureReason) {
        metrics.jobsFailed(queue: job.queue.rawValue, type: type(job), reason: reason.rawValue).increment()
    }

    func retried(_ job: LeasedJob) { metrics.jobsRetried(queue: job.queue.rawValue).increment() }

    func dead(_ job: LeasedJob) { metrics.jobsDead(queue: job.queue.rawValue).increment() }

    /// A handler ignored its stop for the runaway grace and the worker gave up on it.
    func runaway(_ job: LeasedJob) {
        metrics.workerRunawayHandlers(queue: job.queue.rawValue, type: type(job)).increment()
    }

    /// Handlers given up on whose tasks still run (and hold their memory).
    func runawaysRunning(_ count: Int) { runawaysGauge.set(Int64(count)) }

    func busy(_ running: Int) { busyGauge.set(Int64(running)) }

    func concurrency(_ limit: Int) { metrics.workerConcurrency(worker: worker).set(Int64(limit)) }

    func redisError() { metrics.redisErrors.increment() }
}
