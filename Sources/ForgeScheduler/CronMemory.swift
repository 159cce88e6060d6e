import Synchronization

/// What the cron firer remembers between passes in this process: each schedule's current
/// problem, so a problem is logged when it starts (and a refusal when it ends) rather than at
/// every pass, and when the due index was last reconciled with the schedules.
final class CronMemory: Sendable {
    private let problems = Mutex<[String: String]>([:])
    private let reindexedMs = Mutex<Int64?>(nil)

    /// Records `problem` as `schedule`'s; `true` when it differs from the one recorded before.
    func note(_ problem: String, for schedule: String) -> Bool {
        problems.withLock { $0.updateValue(problem, forKey: schedule) != problem }
    }

    /// Forgets `schedule`'s problem and returns it.
    @discardableResult
    func clear(_ schedule: String) -> String? {
        problems.withLock { $0.removeValue(forKey: schedule) }
    }

    /// Whether to reconcile the due index now: at the first pass, then every `intervalMs`.
    func reindexIsDue(nowMs: Int64, intervalMs: Int64) -> Bool {
        reindexedMs.withLock { last in
            guard let last else { return true }
            return nowMs < last || nowMs - last >= intervalMs
        }
    }

    func reindexed(atMs nowMs: Int64) { reindexedMs.withLock { $0 = nowMs } }

    /// Makes the next pass reconcile (a new leadership: another leader may have run meanwhile).
    func forgetReindex() { reindexedMs.withLock { $0 = nil } }
}
