import ForgeCore
import ForgeObservability
import ForgeRedis
import Prometheus

/// Remote workers in the same metric families as the Swift workers (completed, failed, retried,
/// dead, run and wait time), so dashboards and alerts see every job whoever ran it, plus the
/// `forge_remote_*` families for what only the lease API knows (jobs leased, time busy and idle).
///
/// The run time of a job is lease to ack or fail, measured from the lease time its token carries
/// (``RemoteLease``): the gateway that answers the ack need not be the one that leased.
struct RemoteWorkerMetrics: Sendable {
    let metrics: ForgeMetrics

    func leased(_ jobs: [LeasedJob]) {
        guard let queue = jobs.first?.queue.rawValue else { return }
        metrics.remoteLeased(queue: queue).increment(by: Int64(jobs.count))
        let wait = metrics.jobWaitSeconds(queue: queue)
        for job in jobs { wait.record(Double(max(0, job.leasedAtMs - job.readyAtMs)) / 1000) }
    }

    func waited(_ queue: QueueName, _ duration: Duration) {
        metrics.remoteIdleSeconds(queue: queue.rawValue).increment(by: duration.seconds)
    }

    func completed(_ lease: RemoteLease) {
        metrics.jobsCompleted(queue: lease.queue.rawValue, type: lease.type).increment()
        ran(lease)
    }

    func failed(_ lease: RemoteLease, _ outcome: FailOutcome) {
        let queue = lease.queue.rawValue
        switch outcome {
        case .stale: return lost(lease)
        case .retrying: metrics.jobsRetried(queue: queue).increment()
        case .dead: metrics.jobsDead(queue: queue).increment()
        case .canceled: break
        }
        metrics.jobsFailed(queue: queue, type: lease.type, reason: "error").increment()
        ran(lease)
    }

    /// An ack or fail refused because the lease was no longer the worker's.
    func lost(_ lease: RemoteLease) {
        metrics.jobsFailed(queue: lease.queue.rawValue, type: lease.type, reason: "lease_lost").increment()
    }

    private func ran(_ lease: RemoteLease) {
        let seconds = Double(max(0, WallClock.nowMilliseconds() - lease.leasedAtMs)) / 1000
        metrics.jobRunSeconds(queue: lease.queue.rawValue, type: lease.type).record(seconds)
        metrics.remoteBusySeconds(queue: lease.queue.rawValue).increment(by: seconds)
    }
}
