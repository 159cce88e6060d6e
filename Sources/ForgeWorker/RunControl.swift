import Synchronization

/// How a running handler is stopped from outside (cancel, lost lease, end of grace, deadline):
/// the first reason wins and cancels the handler's task; a stop after the handler finished is
/// ignored, so a job that returned just before its deadline still counts as done.
final class RunControl: Sendable {
    private struct State {
        var reason: StopReason?
        var finished = false
        var cancel: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())

    /// Stops the run for `reason` unless it was stopped or finished already.
    func stop(_ reason: StopReason) {
        let cancel = state.withLock { state -> (@Sendable () -> Void)? in
            guard state.reason == nil, !state.finished else { return nil }
            state.reason = reason
            return state.cancel
        }
        cancel?()
    }

    /// Connects the handler's task; if the run was stopped before it started, cancels it at once.
    func attach(cancel: @escaping @Sendable () -> Void) {
        let stopped = state.withLock { state -> Bool in
            state.cancel = cancel
            return state.reason != nil
        }
        if stopped { cancel() }
    }

    /// The handler ended; returns why it was stopped before that, if it was.
    func finish() -> StopReason? {
        state.withLock { state in
            state.finished = true
            return state.reason
        }
    }
}
