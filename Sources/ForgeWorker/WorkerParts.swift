import ForgeCore
import ForgeRedis
import Logging

/// What the worker's loops share: the store, the bookkeeping, the settings.
struct WorkerParts: Sendable {
    let store: QueueStore
    let state: WorkerState
    let picker: QueuePicker
    let handlers: HandlerRegistry
    let configuration: WorkerConfiguration
    let metrics: WorkerMetrics
    let logger: Logger
    /// A wake-up list of this worker's own (no queue uses it): the drainer pushes a token onto it
    /// so an idle fetcher blocked in BLPOP stops waiting at once instead of at its timeout.
    let interrupt: QueueName

    /// Wakes the fetcher if it is blocked on the wake-up lists.
    func interruptIdleWait() async {
        let key = store.keys.queue(interrupt).wake
        // The key expires in case nobody is waiting to pop the token.
        _ = try? await store.redis.pipeline([["RPUSH", key, "1"], ["PEXPIRE", key, "60000"]])
    }

    /// Hands leases back to their queues at once (drain, or jobs leased after draining began).
    func release(_ leases: [QueueName: [LeaseRef]]) async {
        for (queue, refs) in leases where !refs.isEmpty {
            do {
                let moved = try await store.release(queue: queue, refs)
                logger.info("released unfinished jobs", metadata: ["queue": "\(queue)", "count": "\(moved)"])
            } catch {
                // The leases expire on their own and the reclaimer returns the jobs: late, not lost.
                metrics.redisError()
                logger.error("could not release leases", metadata: ["queue": "\(queue)", "error": "\(error)"])
            }
        }
    }

    func release(_ jobs: [LeasedJob]) async {
        guard !jobs.isEmpty else { return }
        await release(Dictionary(grouping: jobs, by: \.queue).mapValues { $0.map(LeaseRef.init) })
    }
}
