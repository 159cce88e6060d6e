import ForgeCore
import ForgeRedis
import Logging

/// `*`: serves every queue in the registry, including ones created after start.
///
/// Re-reads the registry every ``WorkerConfiguration/queueRefreshInterval`` and, when it
/// changed, interrupts the fetcher's idle wait: a new queue's wake-ups go to a list that wait
/// does not cover yet. The wait itself then lasts its full ``WorkerConfiguration/idleWaitMs``
/// instead of being re-issued at every re-read (a BLPOP over 1 000 lists is most of what an
/// idle `*` worker costs Redis).
struct RegistryWatcher: Sendable {
    let parts: WorkerParts

    func run() async {
        guard case .all = parts.configuration.queues else { return }
        while !Task.isCancelled {
            if await refresh() { await parts.interruptIdleWait() }
            do { try await Task.sleep(for: parts.configuration.queueRefreshInterval) } catch { return }
        }
    }

    /// Returns whether the list of queues changed.
    func refresh() async -> Bool {
        do {
            let names = try await parts.store.queueNames()
            guard names != parts.picker.names else { return false }
            parts.logger.info("serving queues", metadata: ["queues": "\(names.map(\.rawValue))"])
            parts.picker.replace(with: names)
            parts.metrics.prepare(names)
            return true
        } catch {
            parts.metrics.redisError()
            parts.logger.error("could not read the queue registry", metadata: ["error": "\(error)"])
            return false
        }
    }
}
