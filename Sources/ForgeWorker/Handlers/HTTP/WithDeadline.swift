import NIOCore
import NIOPosix
import Synchronization

/// `body` ran past its deadline and was cancelled.
struct DeadlineExceeded: Error {}

/// Runs `body` as a task of its own that is cancelled at `deadline` or when the caller is, and
/// waits for it to end either way (it never outlives the call).
///
/// The timer is an event-loop task, cancelled outright when `body` ends first: a cancelled
/// `Task.sleep` keeps its timer until it would have fired, which is what made the worker use one
/// ``DeadlineWatcher`` instead of a sleep per job.
func withDeadline<T: Sendable>(
    _ deadline: ContinuousClock.Instant,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    let task = Task { try await body() }
    let expiry = Expiry()
    let remaining = ContinuousClock.now.duration(to: deadline)
    let timer = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(
        in: .nanoseconds(max(0, remaining.components.seconds * 1_000_000_000 + remaining.components.attoseconds / 1_000_000_000))
    ) {
        expiry.fired.store(true, ordering: .relaxed)
        task.cancel()
    }
    defer { timer.cancel() }
    do {
        return try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    } catch  where expiry.fired.load(ordering: .relaxed) {
        throw DeadlineExceeded()
    }
}

/// Set by the timer, read once the task has ended.
private final class Expiry: Sendable {
    let fired = Atomic<Bool>(false)
}
