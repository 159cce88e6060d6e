import ForgeCore
import ForgeRedis

/// The overview's numbers, read from Redis at most once per ``maxAge`` however many people watch,
/// with per-queue rates from the difference between two reads.
///
/// Rates come from counters every queue keeps (`enqueued`, `completed` in its stats hash), so they
/// count what every gateway and worker did, not what this gateway saw.
actor OverviewSampler {
    struct Row: Sendable {
        /// Depth by state, paused flag, counters and history lag, as Redis has them now.
        var status: QueueOverview
        var enqueueRate: Double?
        var completeRate: Double?
        /// Age of the oldest event history does not have yet; 0 when it has them all.
        var historyLagMs: Int64? { status.historyLagMs }
    }

    struct Snapshot: Sendable {
        var rows: [Row]
        var takenAt: ContinuousClock.Instant
    }

    static let maxAge: Duration = .milliseconds(1500)
    /// Rates need two reads close together: after a longer gap (nobody watched), the difference
    /// would be a long average shown as a current rate, so the first read after it shows none.
    static let maxRateGap: Duration = .seconds(10)

    private let queues: QueueStore
    private var last: Snapshot?
    private var refreshing: Task<Snapshot, any Error>?
    private var lastPresence: (presence: Presence, at: ContinuousClock.Instant)?

    init(queues: QueueStore) { self.queues = queues }

    /// A snapshot no older than ``maxAge``; concurrent callers share one read.
    func current() async throws -> Snapshot {
        if let last, last.takenAt.duration(to: .now) < Self.maxAge { return last }
        if let refreshing { return try await refreshing.value }
        let task = Task { try await self.read() }
        refreshing = task
        defer { refreshing = nil }
        let snapshot = try await task.value
        last = snapshot
        return snapshot
    }

    private func read() async throws -> Snapshot {
        let names = try await queues.queueNames().sorted { $0.rawValue < $1.rawValue }
        let overviews = try await queues.overview(names)
        let now = ContinuousClock.now
        let before = last.map { previous in
            (seconds: previous.takenAt.duration(to: now).seconds, rows: Dictionary(previous.rows.map { ($0.status.name, $0.status) }) { a, _ in a })
        }.flatMap { $0.seconds <= Self.maxRateGap.seconds ? $0 : nil }
        let rows = overviews.map { overview -> Row in
            var row = Row(status: overview)
            if let before, before.seconds > 0.2, let earlier = before.rows[overview.name] {
                row.enqueueRate = Double(max(0, overview.enqueued - earlier.enqueued)) / before.seconds
                row.completeRate = Double(max(0, overview.completed - earlier.completed)) / before.seconds
            }
            return row
        }
        return Snapshot(rows: rows, takenAt: now)
    }
}

extension OverviewSampler {
    /// A worker as the overview shows it.
    struct WorkerRow: Sendable {
        var name: String
        var queues: String
        var busy: Int
        var concurrency: Int
        var seenAgoMs: Int64
        var upMs: Int64
        /// Leases over HTTP: its slots are unknown (``WorkerPresence/remote``).
        var remote: Bool
    }

    struct Presence: Sendable {
        var workers: [WorkerRow]
        var leader: String?
    }

    /// A worker that has not reported for this long is not shown (it reports every 5 s).
    static let workerStaleMs: Int64 = 15_000

    /// Live workers and the leader, read at most once per ``maxAge`` like the queues.
    func presence() async throws -> Presence {
        if let lastPresence, lastPresence.at.duration(to: .now) < Self.maxAge { return lastPresence.presence }
        let presence = try await readPresence()
        lastPresence = (presence, .now)
        return presence
    }

    private func readPresence() async throws -> Presence {
        let now = WallClock.nowMilliseconds()
        let workers = try await queues.workerRegistry.alive(now: now, staleAfterMs: Self.workerStaleMs)
        let leader = try await queues.leader()
        return Presence(
            workers: workers.map { worker in
                WorkerRow(
                    name: worker.name,
                    queues: worker.queues.joined(separator: ", ") + (worker.draining ? " (draining)" : ""),
                    busy: worker.busy,
                    concurrency: worker.concurrency,
                    seenAgoMs: max(0, now - worker.seenAtMs),
                    upMs: max(0, now - worker.startedAtMs),
                    remote: worker.remote
                )
            },
            leader: leader.map { info in info.replica + (info.epoch.map { " (epoch \($0))" } ?? "") }
        )
    }
}
