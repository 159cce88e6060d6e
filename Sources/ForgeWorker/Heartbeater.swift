import ForgeCore
import ForgeRedis
import Logging

/// Every third of the visibility timeout, extends every lease this worker holds (one call per
/// queue) and stops handlers whose job was canceled or whose lease is no longer theirs.
struct Heartbeater: Sendable {
    let parts: WorkerParts

    func run() async {
        let interval = parts.configuration.heartbeatInterval
        while true {
            do { try await Task.sleep(for: interval) } catch { return }
            await beat()
        }
    }

    func beat() async {
        for (queue, leases) in parts.state.leasesByQueue() {
            do {
                let outcomes = try await parts.store.extend(
                    queue: queue, leases, visibilityMs: parts.configuration.visibilityMs
                )
                for (lease, outcome) in zip(leases, outcomes) {
                    switch outcome {
                    case .extended:
                        break
                    case .canceled:
                        if parts.state.stop(lease.id, token: lease.token, reason: .canceled) != nil {
                            parts.logger.info("job canceled while running", metadata: ["job_id": "\(lease.id)", "queue": "\(queue)"])
                        }
                    case .stale:
                        if let job = parts.state.stop(lease.id, token: lease.token, reason: .leaseLost) {
                            parts.metrics.failed(job, .leaseLost)
                            parts.logger.warning("lease lost while running", metadata: ["job_id": "\(lease.id)", "queue": "\(queue)"])
                        }
                    }
                }
            } catch {
                parts.metrics.redisError()
                parts.logger.error("heartbeat failed", metadata: ["queue": "\(queue)", "error": "\(error)"])
            }
        }
    }
}
