import ForgeCore
import ForgeObservability
import Logging

/// Graceful shutdown: once draining begins, waits up to the grace period for running jobs to
/// finish and be reported, then stops the rest and hands their leases back at once, so other
/// workers pick them up without waiting for the visibility timeout.
struct Drainer: Sendable {
    let parts: WorkerParts
    let readiness: Readiness?

    func run() async {
        let state = parts.state
        var start = state.drainBell.listener()
        guard await start.wait(until: { state.isDraining }) else { return }
        var bell = state.changeBell.listener()
        readiness?.markDraining()
        parts.logger.info("draining", metadata: ["grace": "\(parts.configuration.gracePeriod)"])
        await parts.interruptIdleWait()

        if await !waitForIdle(&bell, until: ContinuousClock.now + parts.configuration.gracePeriod) {
            let leases = state.stopAllRunning()
            let count = leases.values.reduce(0) { $0 + $1.count }
            parts.logger.warning("grace period over, handing unfinished jobs back", metadata: ["count": "\(count)"])
            await parts.release(leases)
            // Stopped handlers end at their next cancellation point and queued completions are
            // flushed meanwhile. If Redis is down that never ends; after a visibility timeout the
            // leases have expired anyway and the reclaimer brings the jobs back.
            let cap = ContinuousClock.now + .milliseconds(parts.configuration.visibilityMs)
            if await !waitForIdle(&bell, until: cap) {
                parts.logger.error("could not report every job before stopping; their leases will expire")
            }
        }
        parts.logger.info("drained")
        state.finishAssignments()
    }

    /// Waits until nothing is running or waiting to be reported, or until `end`; whether idle.
    private func waitForIdle(_ bell: inout Doorbell.Listener, until end: ContinuousClock.Instant) async -> Bool {
        let state = parts.state
        return await withTaskGroup(of: Void.self) { group -> Bool in
            group.addTask {
                // Rings the bell at `end`, so the wait below re-checks the clock.
                guard (try? await Task.sleep(until: end)) != nil else { return }
                state.changeBell.ring()
            }
            _ = await bell.wait { state.isIdle || ContinuousClock.now >= end }
            group.cancelAll()
            return state.isIdle
        }
    }
}
