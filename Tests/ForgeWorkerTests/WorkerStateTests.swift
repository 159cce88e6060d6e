import ForgeObservability
import ForgeRedis
import ForgeWorker
import Synchronization
import Testing

/// The driver around ``WorkerCore``: what it does with the core's answers.
@Suite struct WorkerStateTests {
    /// A watcher that looks late stops a handler and gives up on it in one pass; the stop reaches
    /// a run that is settled already, so the driver cancels the handler's task itself.
    @Test func aHandlerGivenUpInThePassThatStopsItIsStillCancelled() async throws {
        let metrics = WorkerMetrics(metrics: ForgeMetrics(), handlers: HandlerRegistry(), worker: "t")
        let state = WorkerState(capacity: 1, metrics: metrics)
        var assignments = state.assignments.makeAsyncIterator()
        let job = try CoreFixture.job(1, timeoutMs: 1)
        _ = state.admit([job], reserved: state.reserveForFetch(limit: 1) ?? 0, sentAt: .now)
        let assignment = try #require(await assignments.next())
        let cancelled = Mutex(false)
        assignment.control.attach { cancelled.withLock { $0 = true } }
        try await Task.sleep(for: .milliseconds(5))

        _ = state.stopTimedOut(runawayGrace: .zero)
        #expect(cancelled.withLock { $0 })
        #expect(await assignment.control.waitForHandler() == .givenUp(failAttempt: true))
    }
}
