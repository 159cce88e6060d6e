import Synchronization

/// Requests sent and not yet answered (the progress line shows it).
package final class InFlightCount: Sendable {
    private let count = Atomic<Int>(0)
    package init() {}
    package var value: Int { count.load(ordering: .relaxed) }
    package func add(_ delta: Int) { count.add(delta, ordering: .relaxed) }
}
