import ForgeCore
import ForgeRedis
import Logging

/// Every third of the visibility timeout, extends every lease this worker holds (one call per
/// queue) and stops handlers whose job was canceled or whose lease is no longer theirs.
///
/// Between beats it watches the clock: a running handler whose lease was last confirmed a whole
/// visibility timeout ago (heartbeats kept failing, e.g. Redis unreachable) is stopped as a lost
/// lease, since Redis has let the lease go and the job may be running elsewhere already.
struct Heartbeater: Sendable {
    let parts: WorkerParts

    func run() async {
        let interval = parts.configuration.heartbeatInterval
        let visibility = Duration.milliseconds(parts.configuration.visibilityMs)
        // Checks for overdue leases a few times per beat, so a handler stops close to its deadline.
        let tick = min(interval, .milliseconds(max(50, parts.configuration.visibilityMs / 10)))
        var nextBeat = ContinuousClock.now + interval
        while true {
            do { try await Task.sleep(for: tick) } catch { return }
            if ContinuousClock.now >= nextBeat {
                nextBeat = ContinuousClock.now + interval
                await beat()
            }
            for job in parts.state.stopOverdue(visibility: visibility) {
                parts.metrics.failed(job, .leaseLost)
                parts.logger.warning(
                    "lease not confirmed for a visibility timeout; stopping the handler",
                    metadata: ["job_id": "\(job.id)", "queue": "\(job.queue)"]
                )
            }
        }
    }

    func beat() async {
        for (queue, leases) in parts.state.leasesByQueue() {
            let sent = ContinuousClock.now
            do {
                let outcomes = try await parts.store.extend(
                    queue: queue,
                    leases,
                    visibilityMs: parts.configuration.visibilityMs
                )
                var extended: [LeaseRef] = []
                for (lease, outcome) in zip(leases, outcomes) {
                    switch outcome {
                    case .extended:
                        extended.append(lease)
                    case .canceled:
                        if parts.state.stop(lease, reason: .canceled) != nil {
                            parts.logger.info("job canceled while running", metadata: ["job_id": "\(lease.id)", "queue": "\(queue)"])
                        }
                    case .stale:
                        if let job = parts.state.stop(lease, reason: .leaseLost) {
                            parts.metrics.failed(job, .leaseLost)
                            parts.logger.warning("lease lost while running", metadata: ["job_id": "\(lease.id)", "queue": "\(queue)"])
                        }
                    }
                }
                parts.state.confirm(extended, sentAt: sent)
            } catch {
                parts.metrics.redisError()
                parts.logger.error("heartbeat failed", metadata: ["queue": "\(queue)", "error": "\(error)"])
            }
        }
    }
}
