import ForgeCore
import ForgeRedis
import Synchronization

/// Completions on their way to Redis: the ack flusher's side of the bookkeeping.
extension WorkerState {
    /// Takes every queued completion for one flush.
    func takePending() -> [(queue: QueueName, completions: [Completion])] {
        state.withLock { s in
            guard s.pendingCount > 0 else { return [] }
            let batch = s.pending.map { (queue: $0.key, completions: $0.value) }
            s.pending.removeAll(keepingCapacity: true)
            s.pendingCount = 0
            s.flushing = true
            return batch
        }
    }

    var hasPending: Bool { state.withLock { $0.pendingCount > 0 } }

    /// Records an ack reply: drops the entries, returns the jobs Redis completed and those whose
    /// ack was refused although the worker still thought it owned them (lease lost).
    func acked(_ completions: [Completion], flags: [Bool]) -> (completed: [LeasedJob], lost: [LeasedJob]) {
        let result = state.withLock { s -> ([LeasedJob], [LeasedJob]) in
            var completed: [LeasedJob] = []
            var lost: [LeasedJob] = []
            for (completion, ok) in zip(completions, flags) {
                let lease = LeaseRef(id: completion.id, token: completion.token)
                guard let entry = s.entries[lease] else { continue }
                WorkerState.forget(&s, lease)
                if ok { completed.append(entry.job) } else if !entry.abandoned { lost.append(entry.job) }
            }
            return (completed, lost)
        }
        changeBell.ring()
        return result
    }

    /// Ends a flush; `retry` goes back in the queue after a Redis error.
    func flushEnded(retry: [(queue: QueueName, completions: [Completion])]) {
        let more = state.withLock { s -> Bool in
            for (queue, completions) in retry {
                // Jobs stopped meanwhile would only see their acks refused: forget them.
                var live: [Completion] = []
                for completion in completions {
                    let lease = LeaseRef(id: completion.id, token: completion.token)
                    guard let entry = s.entries[lease] else { continue }
                    if entry.abandoned { WorkerState.forget(&s, lease) } else { live.append(completion) }
                }
                s.pending[queue, default: []].insert(contentsOf: live, at: 0)
                s.pendingCount += live.count
            }
            s.flushing = false
            if s.held < capacity { s.fetchWanted = true }
            return s.pendingCount > 0
        }
        fetchBell.ring()
        changeBell.ring()
        if more { flushBell.ring() }
    }
}
