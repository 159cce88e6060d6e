import ForgeCore
import ForgeObservability
import Logging

/// Graceful shutdown: once draining begins, waits up to the grace period for running jobs to
/// finish and be reported, then tells the rest to stop, waits (up to the stop timeout) for their
/// handlers to end, and only then hands their leases back, so other workers pick them up without
/// waiting for the visibility timeout but never while a handler here still runs. A handler that
/// ignores the stop keeps its lease, which expires by itself.
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
            let stopped = state.stopAllRunning()
            parts.logger.warning("grace period over, stopping unfinished jobs", metadata: ["count": "\(stopped.count)"])
            let stillRunning =
                await wait(&bell, until: ContinuousClock.now + parts.configuration.stopTimeout) {
                    state.running(stopped.keys).isEmpty
                } ? [] : state.running(stopped.keys)
            if !stillRunning.isEmpty {
                parts.logger.error(
                    "handlers did not stop in time; their leases expire by themselves",
                    metadata: ["count": "\(stillRunning.count)", "stop_timeout": "\(parts.configuration.stopTimeout)"]
                )
            }
            await parts.release(stopped.filter { !stillRunning.contains($0.key) }.map(\.value))
            // Queued completions are flushed meanwhile. If Redis is down that never ends; after a
            // visibility timeout the leases have expired anyway and the reclaimer brings the jobs back.
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
        return await wait(&bell, until: end) { state.isIdle }
    }

    /// Waits until `condition` holds (re-checked whenever the change bell rings) or `end` passes;
    /// whether it held.
    private func wait(
        _ bell: inout Doorbell.Listener,
        until end: ContinuousClock.Instant,
        _ condition: @escaping () -> Bool
    ) async -> Bool {
        let state = parts.state
        return await withTaskGroup(of: Void.self) { group -> Bool in
            group.addTask {
                // Rings the bell at `end`, so the wait below re-checks the clock.
                guard (try? await Task.sleep(until: end)) != nil else { return }
                state.changeBell.ring()
            }
            _ = await bell.wait { condition() || ContinuousClock.now >= end }
            group.cancelAll()
            return condition()
        }
    }
}
