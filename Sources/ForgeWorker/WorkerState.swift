import ForgeCore
import ForgeRedis
import Synchronization

/// A leased job on its way to a handler, with the signal that stops it early.
package struct Assignment: Sendable {
    package var job: LeasedJob
    package var control: RunControl
    /// When the handler is stopped for running past the job's `timeout_ms`.
    var deadline: ContinuousClock.Instant
}

/// Drives the worker's ``WorkerCore``: one lock around it, so that "is there a free slot" and
/// "take it" are one step; the current time for the events that need it; and the core's effects
/// carried out — handlers stopped, loops woken, metrics counted.
///
/// The loops (fetcher, ack flusher, heartbeater, deadline watcher, drainer) each wait on a
/// doorbell that the core asks to ring after a change that could unblock them.
package final class WorkerState: Sendable {
    package typealias Core = WorkerCore<ContinuousClock.Instant, RunControl>
    package typealias Effects = WorkerEffects<RunControl>

    private let core: Mutex<Core>
    let metrics: WorkerMetrics
    let fetchBell = Doorbell()
    let flushBell = Doorbell()
    let changeBell = Doorbell()
    let drainBell = Doorbell()
    /// Wakes the deadline watcher when a job with an earlier deadline than it sleeps for starts.
    let deadlineSignal = WakeSignal()
    package let assignments: AsyncStream<Assignment>
    private let assignmentSink: AsyncStream<Assignment>.Continuation

    package init(capacity: Int, metrics: WorkerMetrics) {
        core = Mutex(Core(capacity: capacity))
        self.metrics = metrics
        (assignments, assignmentSink) = AsyncStream.makeStream(of: Assignment.self)
    }

    /// Runs one event under the lock, then carries out its effects. Gauges are set under the lock
    /// so that two events never leave an older value behind a newer one.
    private func update<T: Sendable>(_ event: @Sendable (inout Core, inout Effects) -> T) -> T {
        let (result, effects) = core.withLock { core -> (T, Effects) in
            var effects = Effects()
            let result = event(&core, &effects)
            if let busy = effects.busy { metrics.busy(busy) }
            if let count = effects.runawaysRunning { metrics.runawaysRunning(count) }
            return (result, effects)
        }
        perform(effects)
        return result
    }

    private func read<T: Sendable>(_ query: @Sendable (borrowing Core) -> T) -> T { core.withLock { query($0) } }

    private func perform(_ effects: Effects) {
        for (run, reason) in effects.stops { run.stop(reason) }
        for job in effects.lost { metrics.failed(job, .leaseLost) }
        for job in effects.runaways { metrics.runaway(job) }
        let bells = effects.bells
        if bells.contains(.deadline) { deadlineSignal.signal() }
        if bells.contains(.flush) { flushBell.ring() }
        if bells.contains(.fetch) { fetchBell.ring() }
        if bells.contains(.change) { changeBell.ring() }
        if bells.contains(.drain) { drainBell.ring() }
    }

    // MARK: Slots and runs

    package func reserveForFetch(limit: Int) -> Int? { update { core, _ in core.reserveForFetch(limit: limit) } }

    func reserveForAck(limit: Int) -> Int { update { core, _ in core.reserveForAck(limit: limit) } }

    func unreserve(_ count: Int) { update { core, effects in core.unreserve(count, &effects) } }

    /// Turns reservations into runs and hands them to the dispatcher; returns the jobs refused
    /// (draining), for the caller to hand back at once. `sentAt` is when the lease call was sent.
    package func admit(_ jobs: [LeasedJob], reserved: Int, sentAt: ContinuousClock.Instant) -> [LeasedJob] {
        let now = ContinuousClock.now
        let (started, refused) = update { core, effects in
            core.admit(jobs, reserved: reserved, sentAt: sentAt, now: now, makeRun: RunControl.init, &effects)
        }
        for start in started {
            metrics.started(start.job)
            assignmentSink.yield(Assignment(job: start.job, control: start.run, deadline: start.deadline))
        }
        return refused
    }

    /// See ``WorkerCore/handlerEnded(_:completion:_:)``.
    @discardableResult
    package func handlerEnded(_ lease: LeaseRef, completion: Completion? = nil) -> Bool {
        update { core, effects in core.handlerEnded(lease, completion: completion, &effects) }
    }

    package func remove(_ lease: LeaseRef) { update { core, effects in core.remove(lease, &effects) } }

    /// A handler given up on has returned at last.
    func runawayEnded(_ lease: LeaseRef) { update { core, effects in core.runawayEnded(lease, &effects) } }

    var isDraining: Bool { read { $0.draining } }
    /// Handlers running now.
    var busy: Int { read { $0.running } }
    var isIdle: Bool { read { $0.isIdle } }
    var hasPending: Bool { read { $0.pendingCount > 0 } }

    // MARK: Completions

    package func takePending() -> Core.Batch { update { core, _ in core.takePending() } }

    package func acked(_ completions: [Completion], flags: [Bool]) -> (completed: [LeasedJob], lost: [LeasedJob]) {
        update { core, effects in core.acked(completions, flags: flags, &effects) }
    }

    package func flushEnded(retry: Core.Batch) { update { core, effects in core.flushEnded(retry: retry, &effects) } }

    // MARK: Stops

    func leasesByQueue() -> [QueueName: [LeaseRef]] { read { $0.leasesByQueue() } }

    func confirm(_ leases: [LeaseRef], sentAt: ContinuousClock.Instant) { update { core, _ in core.confirm(leases, sentAt: sentAt) } }

    @discardableResult
    func stop(_ lease: LeaseRef, reason: StopReason) -> LeasedJob? { update { core, effects in core.stop(lease, reason: reason, &effects) } }

    func stopOverdue(visibility: Duration) -> [LeasedJob] {
        let now = ContinuousClock.now
        return update { core, effects in core.stopOverdue(visibility: visibility, now: now, &effects) }
    }

    /// Stops handlers past their deadline and gives up on those that ignored their stop for
    /// `runawayGrace`; returns when to look again. Each runaway settles with its run under the
    /// lock, so a handler that ends meanwhile is either given up on or reported, never both.
    package func stopTimedOut(runawayGrace: Duration) -> ContinuousClock.Instant? {
        let now = ContinuousClock.now
        let (next, givenUp) = update { core, effects in
            let (next, runaways) = core.stopTimedOut(runawayGrace: runawayGrace, now: now, &effects)
            var givenUp: [RunControl] = []
            for runaway in runaways where runaway.run.giveUp(failAttempt: runaway.failAttempt) {
                core.gaveUp(runaway.lease, &effects)
                givenUp.append(runaway.run)
            }
            return (next, givenUp)
        }
        // After the lock, like every stop: cancelling runs the handler's cancellation handlers.
        for run in givenUp { run.cancelHandler() }
        return next
    }

    /// Stops leasing; returns false if draining had already begun.
    @discardableResult
    func beginDrain() -> Bool { update { core, effects in core.beginDrain(&effects) } }

    func stopAllRunning() -> [LeaseRef: LeasedJob] { update { core, effects in core.stopAllRunning(&effects) } }

    func running(_ leases: some Sequence<LeaseRef> & Sendable) -> Set<LeaseRef> { read { $0.running(leases) } }

    /// Ends the dispatcher's stream: the service is about to return.
    func finishAssignments() { assignmentSink.finish() }
}
