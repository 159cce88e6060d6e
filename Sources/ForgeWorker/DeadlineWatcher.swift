/// Stops handlers that run past their job's `timeout_ms`, and gives up on those that ignore
/// being stopped for the runaway grace (``WorkerConfiguration/runawayGrace``).
///
/// One loop for the whole worker, sleeping until the earliest deadline of the running jobs (or
/// until a job with an earlier one starts), instead of a timer task per job: a cancelled sleep
/// keeps its timer until it would have fired, and with thousands of short jobs those timers were
/// a third of the worker's CPU and most of its memory.
struct DeadlineWatcher: Sendable {
    let parts: WorkerParts

    func run() async {
        let state = parts.state
        while !Task.isCancelled {
            let next = state.stopTimedOut(runawayGrace: parts.configuration.runawayGrace)
            await state.deadlineSignal.wait(until: next)
        }
    }
}
