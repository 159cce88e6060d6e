import ForgeCore
import ForgeRedis
import Synchronization

/// Heartbeats, outside stops and the drain: the parts that take jobs away from handlers.
extension WorkerState {
    /// Leases to extend, by queue: every job still owned, running or awaiting its ack.
    func leasesByQueue() -> [QueueName: [LeaseRef]] {
        state.withLock { s in
            var out: [QueueName: [LeaseRef]] = [:]
            for entry in s.entries.values where !entry.abandoned {
                out[entry.job.queue, default: []].append(LeaseRef(entry.job))
            }
            return out
        }
    }

    /// Stops a job from outside (canceled, lease lost). Returns the job if its handler was still
    /// running, i.e. the stop took something away from it.
    @discardableResult
    func stop(_ id: JobID, token: LeaseToken, reason: StopReason) -> LeasedJob? {
        let (stopped, removed) = state.withLock { s -> (LeasedJob?, Bool) in
            guard var entry = s.entries[id], entry.job.token == token, !entry.abandoned else { return (nil, false) }
            entry.abandoned = true
            entry.stop.yield(reason)
            if !entry.running, var queued = s.pending[entry.job.queue],
                let index = queued.firstIndex(where: { $0.id == id })
            {
                // Done but not yet acked: the ack would be refused, so drop it here.
                queued.remove(at: index)
                s.pending[entry.job.queue] = queued
                s.pendingCount -= 1
                s.entries[id] = nil
                return (nil, true)
            }
            s.entries[id] = entry
            return (entry.running ? entry.job : nil, false)
        }
        if removed { changeBell.ring() }
        return stopped
    }

    /// Stops leasing; returns false if draining had already begun.
    @discardableResult
    func beginDrain() -> Bool {
        let first = state.withLock { s -> Bool in
            defer { s.draining = true }
            return !s.draining
        }
        fetchBell.ring()
        flushBell.ring()
        changeBell.ring()
        drainBell.ring()
        return first
    }

    /// Grace is over: stops every running handler and returns their leases to hand back.
    func stopAllRunning() -> [QueueName: [LeaseRef]] {
        state.withLock { s in
            var out: [QueueName: [LeaseRef]] = [:]
            for (id, var entry) in s.entries where entry.running && !entry.abandoned {
                entry.abandoned = true
                entry.stop.yield(.shutdown)
                s.entries[id] = entry
                out[entry.job.queue, default: []].append(LeaseRef(entry.job))
            }
            return out
        }
    }
}
