import ForgeCore
import ForgeRedis
import Synchronization

/// Handlers that ignore being stopped: the worker's last resort against a job kept `active` and a
/// slot kept taken for as long as such a handler runs, which may be for ever.
///
/// Swift cannot kill a task. A handler that never looks at cancellation (a blocking call, a busy
/// loop) runs on after its stop for as long as it likes, and its task keeps its memory until it
/// returns; only a restart of the process gets that back. What the worker can do is stop waiting
/// for it: ``WorkerConfiguration/runawayGrace`` after the handler was told to stop at its job's
/// deadline (or after the deadline, if it was stopped earlier for a cancel, a lost lease or the
/// end of a drain), a handler still running is given up on. Its slot is freed, its lease is no
/// longer extended, its runner fails the attempt as timed out (unless the job was canceled, lost
/// or handed back meanwhile, which needs nothing more), and whatever it returns later is dropped.
/// `forge_worker_runaway_handlers_total` counts these, `forge_worker_runaway_handlers` shows how
/// many still run.
extension WorkerState {
    /// Gives up on the handler of `lease` if it is still running: frees its slot, marks the entry
    /// abandoned (no more heartbeats, no ack; its runner fails the attempt if the lease was still
    /// good, then removes the entry) and keeps the run among the runaways until its handler
    /// returns. Returns false if the handler ended meanwhile: its runner reports it as usual.
    static func giveUp(_ s: inout State, _ lease: LeaseRef, metrics: WorkerMetrics) -> Bool {
        guard var entry = s.entries[lease], entry.running, entry.control.giveUp(failAttempt: !entry.abandoned) else {
            return false
        }
        entry.running = false
        entry.abandoned = true
        s.entries[lease] = entry
        s.running -= 1
        s.held -= 1
        s.runaways.insert(lease)
        metrics.busy(s.running)
        metrics.runaway(entry.job)
        metrics.runawaysRunning(s.runaways.count)
        return true
    }

    /// A handler given up on has returned at last: its task and its memory are gone.
    func runawayEnded(_ lease: LeaseRef) {
        state.withLock { s in
            s.runaways.remove(lease)
            metrics.runawaysRunning(s.runaways.count)
        }
        changeBell.ring()
    }
}
