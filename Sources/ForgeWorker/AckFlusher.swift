import ForgeCore
import ForgeRedis
import Logging

/// Reports finished jobs in batches, one `complete` call per queue, and leases the next jobs in
/// the same round trip when slots are free: at steady state one round trip per job or fewer.
struct AckFlusher: Sendable {
    let parts: WorkerParts

    func run() async {
        let state = parts.state
        let configuration = parts.configuration
        var bell = state.flushBell.listener()
        var delay = RetryDelay()
        while await bell.wait(until: { state.hasPending }) {
            var failed: [(queue: QueueName, completions: [Completion])] = []
            for (queue, completions) in state.takePending() {
                let next = leasesNext(from: queue) ? state.reserveForAck(limit: configuration.leaseBatch) : 0
                do {
                    let sent = ContinuousClock.now
                    let outcome = try await parts.store.complete(
                        queue: queue,
                        completions,
                        leaseNext: next,
                        visibilityMs: configuration.visibilityMs,
                        worker: configuration.workerName
                    )
                    let (completed, lost) = state.acked(completions, flags: outcome.completed)
                    for job in completed { parts.metrics.completed(job) }
                    for job in lost {
                        parts.metrics.failed(job, .leaseLost)
                        parts.logger.warning(
                            "job finished after its lease was lost; not completed",
                            metadata: ["job_id": "\(job.id)", "queue": "\(job.queue)"]
                        )
                    }
                    await parts.release(state.admit(outcome.leased, reserved: next, sentAt: sent))
                } catch {
                    state.unreserve(next)
                    failed.append((queue, completions))
                    parts.metrics.redisError()
                    parts.logger.error("ack failed", metadata: ["queue": "\(queue)", "error": "\(error)"])
                }
            }
            state.flushEnded(retry: failed)
            if failed.isEmpty { delay.reset() } else { await delay.wait() }
        }
    }

    /// Whether the ack of `queue` should lease its successors. With weights, only when the
    /// weighted pick lands on `queue`, so a busy queue does not keep every slot to itself; the
    /// fetcher fills the rest. With `*` (all queues equal) always.
    private func leasesNext(from queue: QueueName) -> Bool {
        switch parts.configuration.queues {
        case .all: true
        case .weighted: parts.picker.pick() == queue
        }
    }
}
