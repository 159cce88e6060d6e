/// A wake-up signal for one waiting loop: rings coalesce, and a ring made before the loop waits
/// is not lost (the stream keeps the newest one), so "check state, then wait" cannot miss it.
final class Doorbell: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() {
        (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    func ring() { continuation.yield() }

    /// The one listener; made once by the loop that waits on this bell.
    func listener() -> Listener { Listener(iterator: stream.makeAsyncIterator()) }

    struct Listener {
        var iterator: AsyncStream<Void>.Iterator

        /// Waits until `condition` holds; `false` if the task was cancelled first.
        mutating func wait(until condition: () -> Bool) async -> Bool {
            while !condition() {
                guard await iterator.next() != nil else { return false }
            }
            return true
        }
    }
}
