/// Stops handlers that run past their job's `timeout_ms`.
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
            let next = state.stopTimedOut()
            await state.deadlineSignal.wait(until: next)
        }
    }
}
