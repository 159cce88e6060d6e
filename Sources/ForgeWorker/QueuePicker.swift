import ForgeCore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Chooses which queue to lease from, by weight.
///
/// With `*` the list is replaced as the registry grows; every queue then weighs 1.
package final class QueuePicker: Sendable {
    private let queues: Mutex<[QueueSelection.WeightedQueue]>

    package init(_ queues: [QueueSelection.WeightedQueue]) {
        self.queues = Mutex(queues)
    }

    var names: [QueueName] { queues.withLock { $0.map(\.name) } }

    func replace(with names: [QueueName]) {
        queues.withLock { $0 = names.map { QueueSelection.WeightedQueue(name: $0) } }
    }

    /// All queues in a weighted random order (Efraimidis–Spirakis: sort by `u^(1/w)`), so the
    /// first queue is picked with probability `w / Σw` and empty queues are skipped by moving on
    /// to the next.
    func order() -> [QueueName] {
        let list = queues.withLock { $0 }
        var keyed = list.map { ($0.name, pow(Double.random(in: Double.ulpOfOne..<1), 1 / Double($0.weight))) }
        keyed.sort { $0.1 > $1.1 }
        return keyed.map(\.0)
    }

    /// All queues in list order, starting at one picked with probability proportional to its
    /// weight and wrapping around: the order an idle worker's BLPOP lists them in (BLPOP serves
    /// the first listed key that holds a token). Linear, where ``order()`` sorts: an idle wait
    /// follows every lease that came back short, so with many queues it runs once per job.
    package func rotation() -> [QueueName] {
        let list = queues.withLock { $0 }
        guard let start = Self.weightedIndex(list) else { return list.map(\.name) }
        return (list[start...] + list[..<start]).map(\.name)
    }

    /// One queue, picked with probability proportional to its weight.
    func pick() -> QueueName? {
        let list = queues.withLock { $0 }
        return Self.weightedIndex(list).map { list[$0].name }
    }

    private static func weightedIndex(_ list: [QueueSelection.WeightedQueue]) -> Int? {
        if list.count == 1 { return 0 }
        let total = list.reduce(0) { $0 + $1.weight }
        guard total > 0 else { return nil }
        var ticket = Int.random(in: 0..<total)
        for (index, queue) in list.enumerated() {
            if ticket < queue.weight { return index }
            ticket -= queue.weight
        }
        return nil
    }
}
