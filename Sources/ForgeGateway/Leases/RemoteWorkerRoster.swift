import ForgeCore
import ForgeRedis
import Logging
import Synchronization

/// Workers that lease over HTTP (the lease API), reported to the ``WorkerRegistry`` as Swift
/// workers report themselves, so Forge Web lists them too.
///
/// A remote worker is known only by what its lease requests say: its name (`worker`, else
/// `remote`), the queues it leases from and how many jobs it asks for at once. Each name that
/// asked within the last interval, or waits in a long poll now (an idle worker long-polling for
/// 30 s is alive all along), is reported when first seen and then every interval; several
/// gateways report the same worker alike. A name neither asking nor waiting for three intervals
/// is forgotten. At most ``capacity`` names are tracked: the listing is for people, names are
/// the caller's to choose, and a flood of made-up names must not grow the gateway's memory.
package final class RemoteWorkerRoster: Sendable {
    private struct Entry {
        var queues: [String]
        var asks: Int
        var waiting = 0
        var firstSeenMs: Int64
        var lastSeenMs: Int64
        var reportedMs: Int64?
    }

    package static let capacity = 10_000
    /// Queues listed per worker (the first ones it leased from).
    static let maxQueues = 32

    private let entries = Mutex<[String: Entry]>([:])
    private let registry: WorkerRegistry
    private let logger: Logger
    private let intervalMs: Int64

    package init(registry: WorkerRegistry, logger: Logger, intervalMs: Int64 = WorkerRegistry.defaultIntervalMs) {
        self.registry = registry
        self.logger = logger
        self.intervalMs = intervalMs
    }

    /// A lease request of `worker` began; returns whether it is tracked, and then
    /// ``leaseEnded(worker:now:)`` must follow.
    package func leaseStarted(worker: String, queue: QueueName, count: Int, now: Int64) -> Bool {
        entries.withLock { entries in
            if var entry = entries[worker] {
                if !entry.queues.contains(queue.rawValue), entry.queues.count < Self.maxQueues { entry.queues.append(queue.rawValue) }
                entry.asks = count
                entry.waiting += 1
                entry.lastSeenMs = now
                entries[worker] = entry
                return true
            }
            guard entries.count < Self.capacity else { return false }
            entries[worker] = Entry(queues: [queue.rawValue], asks: count, waiting: 1, firstSeenMs: now, lastSeenMs: now)
            return true
        }
    }

    package func leaseEnded(worker: String, now: Int64) {
        entries.withLock { entries in
            guard var entry = entries[worker] else { return }
            entry.waiting = max(0, entry.waiting - 1)
            entry.lastSeenMs = now
            entries[worker] = entry
        }
    }

    /// The workers to report at `now`, marked reported: those alive (asked within an interval, or
    /// waiting) not reported for an interval, or never. Forgets those silent for three intervals.
    package func takeDue(now: Int64) -> [WorkerPresence] {
        entries.withLock { entries in
            var due: [WorkerPresence] = []
            for (name, entry) in entries {
                let alive = entry.waiting > 0 || now - entry.lastSeenMs < intervalMs
                if !alive {
                    if now - entry.lastSeenMs >= 3 * intervalMs { entries[name] = nil }
                    continue
                }
                if let reported = entry.reportedMs, now - reported < intervalMs { continue }
                entries[name]?.reportedMs = now
                due.append(
                    WorkerPresence(
                        name: name,
                        queues: entry.queues,
                        concurrency: entry.asks,
                        busy: 0,
                        startedAtMs: entry.firstSeenMs,
                        host: "",
                        pid: 0,
                        seenAtMs: now,
                        remote: true
                    )
                )
            }
            return due
        }
    }

    /// Reports what is due once a second (a new worker shows within a second, a known one every
    /// interval) until the task is cancelled. Presence is for people: a failed report is logged
    /// at debug and the workers go again at their next interval.
    func run() async {
        while !Task.isCancelled {
            await report(now: WallClock.nowMilliseconds())
            do { try await Task.sleep(for: .seconds(1)) } catch { return }
        }
    }

    func report(now: Int64) async {
        let due = takeDue(now: now)
        guard !due.isEmpty else { return }
        do {
            try await registry.report(due, now: now, intervalMs: intervalMs)
        } catch {
            logger.debug("could not report the lease API's workers", metadata: ["error": "\(error)", "workers": "\(due.count)"])
        }
    }
}
