import ForgeCore
import ForgeRedis
import FoundationEssentials
import Logging

/// Tells others this worker is alive: reports its settings and busy slots to the
/// ``WorkerRegistry`` at start and every ``WorkerConfiguration/presenceInterval``, and takes
/// itself out when the worker stops (after the drain, so a draining worker still shows).
///
/// Presence is for people looking at the system, not for correctness: a failed report is
/// logged at debug and tried again at the next tick, and never stops the worker.
struct WorkerPresenceReporter: Sendable {
    let parts: WorkerParts
    let registry: WorkerRegistry
    let startedAtMs: Int64
    let now: @Sendable () -> Int64

    init(parts: WorkerParts, startedAtMs: Int64, now: @escaping @Sendable () -> Int64 = WallClock.nowMilliseconds) {
        self.parts = parts
        self.registry = parts.store.workerRegistry
        self.startedAtMs = startedAtMs
        self.now = now
    }

    /// Reports until the task is cancelled (the worker's loops end), then removes the entry.
    func run() async {
        while true {
            await report()
            do { try await Task.sleep(for: parts.configuration.presenceInterval) } catch { break }
        }
        do {
            try await registry.remove(name: parts.configuration.workerName)
        } catch {
            parts.logger.debug("could not remove the worker's presence", metadata: ["error": "\(error)"])
        }
    }

    func report() async {
        do {
            try await registry.report(presence, now: now(), intervalMs: intervalMs)
        } catch {
            parts.logger.debug("could not report the worker's presence", metadata: ["error": "\(error)"])
        }
    }

    var presence: WorkerPresence {
        let configuration = parts.configuration
        let queues: [String] =
            switch configuration.queues {
            case .weighted(let list): list.map(\.name.rawValue)
            case .all: ["*"]
            }
        return WorkerPresence(
            name: configuration.workerName,
            queues: queues,
            concurrency: configuration.concurrency,
            busy: parts.state.busy,
            draining: parts.state.isDraining,
            startedAtMs: startedAtMs,
            host: ProcessInfo.processInfo.hostName,
            pid: Int(ProcessInfo.processInfo.processIdentifier),
            seenAtMs: now()
        )
    }

    private var intervalMs: Int64 {
        max(1, parts.configuration.presenceInterval.milliseconds)
    }
}
