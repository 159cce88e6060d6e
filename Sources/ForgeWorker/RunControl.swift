import Synchronization

/// How a running handler is stopped from outside (cancel, lost lease, end of grace, deadline):
/// the first reason wins and cancels the handler's task; a stop after the handler finished is
/// ignored, so a job that returned just before its deadline still counts as done.
///
/// It is also where the job's runner waits for the handler: until the handler's task ends, or
/// until the worker gives up on a handler that ignores its stop (a runaway), whichever comes
/// first. Exactly one of the two happens, so a run is either reported or given up, never both.
package final class RunControl: Sendable {
    /// How the runner's wait for its handler ended.
    package enum End: Sendable, Equatable {
        /// The handler returned or threw; `stoppedFor` says whether it was stopped before that.
        case ended(stoppedFor: StopReason?)
        /// The handler ignored its stop for the runaway grace and the worker stopped waiting for
        /// it. `failAttempt`: the lease was still the worker's, so the attempt fails as timed out.
        case givenUp(failAttempt: Bool)
    }

    private struct State {
        var reason: StopReason?
        var end: End?
        var cancel: (@Sendable () -> Void)?
        var waiter: CheckedContinuation<End, Never>?
    }

    private let state = Mutex(State())

    /// Stops the run for `reason` unless it was stopped or finished already.
    func stop(_ reason: StopReason) {
        let cancel = state.withLock { state -> (@Sendable () -> Void)? in
            guard state.reason == nil, state.end == nil else { return nil }
            state.reason = reason
            return state.cancel
        }
        cancel?()
    }

    /// Connects the handler's task; if the run was stopped before it started, cancels it at once.
    package func attach(cancel: @escaping @Sendable () -> Void) {
        let stopped = state.withLock { state -> Bool in
            state.cancel = cancel
            return state.reason != nil
        }
        if stopped { cancel() }
    }

    /// Called by the handler's task as it ends. Returns false if the worker had given up on it
    /// already: then nobody waits for its outcome any more.
    func handlerEnded() -> Bool { settle { .ended(stoppedFor: $0) } }

    /// Stops waiting for a handler that ignores its stop. Returns false if the handler has ended
    /// meanwhile: its runner reports it as usual.
    func giveUp(failAttempt: Bool) -> Bool { settle { _ in .givenUp(failAttempt: failAttempt) } }

    /// Cancels the handler's task whatever the run's state: a handler given up on in the same
    /// pass that stopped it (a watcher that ran late) has not seen its stop, which a settled run
    /// no longer passes on.
    func cancelHandler() { state.withLock { $0.cancel }?() }

    /// Waits until the handler has ended or the worker has given up on it. Not cancellable, like
    /// waiting for the handler's task itself: the runner must not report a run still going on.
    package func waitForHandler() async -> End {
        await withCheckedContinuation { (continuation: CheckedContinuation<End, Never>) in
            let end = state.withLock { state -> End? in
                if state.end == nil { state.waiter = continuation }
                return state.end
            }
            if let end { continuation.resume(returning: end) }
        }
    }

    /// Records how the wait ends (from the stop reason so far), unless it has ended already, and
    /// wakes the runner. Returns whether this call settled it.
    private func settle(_ end: (StopReason?) -> End) -> Bool {
        let settled = state.withLock { state -> (end: End, waiter: CheckedContinuation<End, Never>?)? in
            guard state.end == nil else { return nil }
            let settled = end(state.reason)
            state.end = settled
            defer { state.waiter = nil }
            return (settled, state.waiter)
        }
        guard let settled else { return false }
        settled.waiter?.resume(returning: settled.end)
        return true
    }
}
