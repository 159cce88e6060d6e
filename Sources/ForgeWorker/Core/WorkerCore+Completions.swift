import ForgeCore
import ForgeRedis

/// Completions on their way to Redis: the ack flusher's side of the bookkeeping.
extension WorkerCore {
    package typealias Batch = [(queue: QueueName, completions: [Completion])]

    /// Takes every queued completion for one flush.
    package mutating func takePending() -> Batch {
        guard pendingCount > 0 else { return [] }
        let batch = pending.map { (queue: $0.key, completions: $0.value) }
        pending.removeAll(keepingCapacity: true)
        pendingCount = 0
        flushing = true
        return batch
    }

    /// Records an ack reply (one flag per completion: whether Redis completed it): drops the
    /// runs, returns the jobs Redis completed and those whose ack was refused although the worker
    /// still thought it owned them (lease lost).
    package mutating func acked(
        _ completions: [Completion],
        flags: [Bool],
        _ effects: inout WorkerEffects<Run>
    ) -> (completed: [LeasedJob], lost: [LeasedJob]) {
        var completed: [LeasedJob] = []
        var lost: [LeasedJob] = []
        for (completion, ok) in zip(completions, flags) {
            let lease = LeaseRef(id: completion.id, token: completion.token)
            guard let entry = entries[lease] else { continue }
            forget(lease)
            if ok { completed.append(entry.job) } else if !entry.abandoned { lost.append(entry.job) }
        }
        effects.bells.insert(.change)
        return (completed, lost)
    }

    /// Ends a flush; `retry` goes back in the queue after a Redis error.
    package mutating func flushEnded(retry: Batch, _ effects: inout WorkerEffects<Run>) {
        for (queue, completions) in retry {
            // Runs stopped meanwhile would only see their acks refused: forget them.
            var live: [Completion] = []
            for completion in completions {
                let lease = LeaseRef(id: completion.id, token: completion.token)
                guard let entry = entries[lease] else { continue }
                if entry.abandoned { forget(lease) } else { live.append(completion) }
            }
            pending[queue, default: []].insert(contentsOf: live, at: 0)
            pendingCount += live.count
        }
        flushing = false
        if held < capacity { fetchWanted = true }
        effects.bells.formUnion([.fetch, .change])
        if pendingCount > 0 { effects.bells.insert(.flush) }
    }
}
