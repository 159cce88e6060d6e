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

    /// Records a successful heartbeat of `leases`, sent at `sentAt`.
    func confirm(_ leases: [LeaseRef], sentAt: ContinuousClock.Instant) {
        state.withLock { s in
            for lease in leases where s.entries[lease] != nil { s.entries[lease]?.confirmedAt = sentAt }
        }
    }

    /// Stops a job from outside (canceled, lease lost). Returns the job if its handler was still
    /// running, i.e. the stop took something away from it.
    @discardableResult
    func stop(_ lease: LeaseRef, reason: StopReason) -> LeasedJob? {
        let stopped = state.withLock { Self.abandon(&$0, lease, reason) }
        changeBell.ring()
        return stopped
    }

    /// Stops every running handler whose lease has not been confirmed for `visibility`: its
    /// lease has expired in Redis by now (heartbeats kept failing), so the job may already run
    /// elsewhere. Returns the jobs stopped. Finished jobs awaiting their ack are left alone:
    /// Redis decides whether that ack still counts.
    func stopOverdue(visibility: Duration, now: ContinuousClock.Instant = .now) -> [LeasedJob] {
        let stopped = state.withLock { s -> [LeasedJob] in
            let overdue = s.entries.filter { !$0.value.abandoned && $0.value.running && now - $0.value.confirmedAt >= visibility }
            return overdue.keys.compactMap { Self.abandon(&s, $0, .leaseLost) }
        }
        if !stopped.isEmpty { changeBell.ring() }
        return stopped
    }

    /// Tells every running handler past its job's deadline to stop (it then fails the attempt as
    /// timed out), and gives up on every handler still running `runawayGrace` after it was told
    /// so, or after its deadline if it was stopped for another reason (see
    /// ``giveUp(_:_:metrics:)``). Returns the earliest of these instants still ahead, which the
    /// watcher sleeps until.
    func stopTimedOut(runawayGrace: Duration, now: ContinuousClock.Instant = .now) -> ContinuousClock.Instant? {
        let (next, gaveUp) = state.withLock { s -> (ContinuousClock.Instant?, Bool) in
            var next: ContinuousClock.Instant?
            var gaveUp = false
            for (lease, entry) in s.entries where entry.running {
                var stoppedAt = entry.timedOutAt ?? entry.deadline
                if !entry.abandoned && entry.timedOutAt == nil {
                    if entry.deadline > now {
                        next = next.map { min($0, entry.deadline) } ?? entry.deadline
                        continue
                    }
                    s.entries[lease]?.timedOutAt = now
                    entry.control.stop(.timedOut)
                    stoppedAt = now
                }
                let giveUpAt = stoppedAt + runawayGrace
                if giveUpAt > now {
                    next = next.map { min($0, giveUpAt) } ?? giveUpAt
                } else if Self.giveUp(&s, lease, metrics: metrics) {
                    gaveUp = true
                }
            }
            s.watchedDeadline = next
            return (next, gaveUp)
        }
        if gaveUp {
            fetchBell.ring()
            changeBell.ring()
        }
        return next
    }

    /// Marks a lease abandoned and tells its handler why; a finished job's queued completion is
    /// dropped (its ack would be refused). Returns the job if its handler was still running.
    static func abandon(_ s: inout State, _ lease: LeaseRef, _ reason: StopReason) -> LeasedJob? {
        guard var entry = s.entries[lease], !entry.abandoned else { return nil }
        entry.abandoned = true
        entry.control.stop(reason)
        if !entry.running, var queued = s.pending[entry.job.queue],
            let index = queued.firstIndex(where: { $0.id == lease.id && $0.token == lease.token })
        {
            queued.remove(at: index)
            s.pending[entry.job.queue] = queued
            s.pendingCount -= 1
            forget(&s, lease)
            return nil
        }
        s.entries[lease] = entry
        return entry.running ? entry.job : nil
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

    /// Grace is over: tells every running handler to stop and returns their leases, to hand back
    /// once the handlers have ended.
    func stopAllRunning() -> [LeaseRef: LeasedJob] {
        state.withLock { s in
            var out: [LeaseRef: LeasedJob] = [:]
            for (lease, entry) in s.entries where entry.running && !entry.abandoned {
                if let job = Self.abandon(&s, lease, .shutdown) { out[lease] = job }
            }
            return out
        }
    }

    /// Which of `leases` still have a handler running, given up on or not.
    func running(_ leases: some Sequence<LeaseRef>) -> Set<LeaseRef> {
        state.withLock { s in Set(leases.filter { s.entries[$0]?.running == true || s.runaways.contains($0) }) }
    }
}
