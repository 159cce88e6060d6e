import ForgeCore
import ForgeRedis

/// Heartbeats, outside stops, deadlines and the drain: the parts that take jobs away from handlers.
extension WorkerCore {
    /// Leases to extend, by queue: every job still owned, running or awaiting its ack.
    package func leasesByQueue() -> [QueueName: [LeaseRef]] {
        var out: [QueueName: [LeaseRef]] = [:]
        for entry in entries.values where !entry.abandoned {
            out[entry.job.queue, default: []].append(LeaseRef(entry.job))
        }
        return out
    }

    /// Records a successful heartbeat of `leases`, sent at `sentAt`.
    package mutating func confirm(_ leases: [LeaseRef], sentAt: Instant) {
        for lease in leases where entries[lease] != nil { entries[lease]?.confirmedAt = sentAt }
    }

    /// Stops a run from outside (canceled, lease lost). Returns the job if its handler was still
    /// running, i.e. the stop took something away from it.
    package mutating func stop(_ lease: LeaseRef, reason: StopReason, _ effects: inout WorkerEffects<Run>) -> LeasedJob? {
        effects.bells.insert(.change)
        return abandon(lease, reason, &effects)
    }

    /// Stops every running handler whose lease has not been confirmed for `visibility`: its
    /// lease has expired in Redis by now (heartbeats kept failing), so the job may already run
    /// elsewhere. Returns the jobs stopped. Finished jobs awaiting their ack are left alone:
    /// Redis decides whether that ack still counts.
    package mutating func stopOverdue(visibility: Duration, now: Instant, _ effects: inout WorkerEffects<Run>) -> [LeasedJob] {
        let overdue = entries.filter { !$0.value.abandoned && $0.value.running && $0.value.confirmedAt.duration(to: now) >= visibility }
        let stopped = overdue.keys.compactMap { abandon($0, .leaseLost, &effects) }
        if !stopped.isEmpty { effects.bells.insert(.change) }
        return stopped
    }

    /// A handler to give up on, if it has not ended meanwhile (see ``gaveUp(_:_:)``).
    package struct Runaway {
        package var lease: LeaseRef
        package var run: Run
        /// The lease was still the worker's: the runner fails the attempt as timed out.
        package var failAttempt: Bool
    }

    /// Tells every running handler past its job's deadline to stop (it then fails the attempt as
    /// timed out), and names every handler still running `runawayGrace` after it was told so, or
    /// after its deadline if it was stopped for another reason. Returns those handlers and the
    /// earliest of these instants still ahead, which the watcher sleeps until.
    ///
    /// Whether a named handler is given up on is the run's to settle (it may be ending this very
    /// moment, and then its runner reports it as usual): the driver asks it, and calls
    /// ``gaveUp(_:_:)`` for each one that agreed.
    package mutating func stopTimedOut(
        runawayGrace: Duration,
        now: Instant,
        _ effects: inout WorkerEffects<Run>
    ) -> (next: Instant?, runaways: [Runaway]) {
        var next: Instant?
        var runaways: [Runaway] = []
        for (lease, entry) in entries where entry.running {
            var stoppedAt = entry.timedOutAt ?? entry.deadline
            if !entry.abandoned && entry.timedOutAt == nil {
                if entry.deadline > now {
                    next = next.map { min($0, entry.deadline) } ?? entry.deadline
                    continue
                }
                entries[lease]?.timedOutAt = now
                effects.stops.append((entry.run, .timedOut))
                stoppedAt = now
            }
            let giveUpAt = stoppedAt.advanced(by: runawayGrace)
            if giveUpAt > now {
                next = next.map { min($0, giveUpAt) } ?? giveUpAt
            } else {
                runaways.append(Runaway(lease: lease, run: entry.run, failAttempt: !entry.abandoned))
            }
        }
        watchedDeadline = next
        return (next, runaways)
    }

    /// The worker gave up on the handler of `lease`, which ignored its stop: its slot is free, the
    /// run is abandoned (no more heartbeats, no ack; its runner fails the attempt if the lease
    /// was still good, then removes the run) and stays among the runaways until its handler
    /// returns (``runawayEnded(_:_:)``).
    package mutating func gaveUp(_ lease: LeaseRef, _ effects: inout WorkerEffects<Run>) {
        guard var entry = entries[lease], entry.running else { return }
        entry.running = false
        entry.abandoned = true
        entries[lease] = entry
        running -= 1
        held -= 1
        runaways.insert(lease)
        effects.busy = running
        effects.runaways.append(entry.job)
        effects.runawaysRunning = runaways.count
        effects.bells.formUnion([.fetch, .change])
    }

    /// A handler given up on has returned at last: its task and its memory are gone.
    package mutating func runawayEnded(_ lease: LeaseRef, _ effects: inout WorkerEffects<Run>) {
        runaways.remove(lease)
        effects.runawaysRunning = runaways.count
        effects.bells.insert(.change)
    }

    /// Marks a lease abandoned and tells its handler why; a finished job's queued completion is
    /// dropped (its ack would be refused). Returns the job if its handler was still running.
    package mutating func abandon(_ lease: LeaseRef, _ reason: StopReason, _ effects: inout WorkerEffects<Run>) -> LeasedJob? {
        guard var entry = entries[lease], !entry.abandoned else { return nil }
        entry.abandoned = true
        effects.stops.append((entry.run, reason))
        if !entry.running, var queued = pending[entry.job.queue],
            let index = queued.firstIndex(where: { $0.id == lease.id && $0.token == lease.token })
        {
            queued.remove(at: index)
            pending[entry.job.queue] = queued
            pendingCount -= 1
            forget(lease)
            return nil
        }
        entries[lease] = entry
        return entry.running ? entry.job : nil
    }

    /// Stops leasing; returns false if draining had already begun.
    package mutating func beginDrain(_ effects: inout WorkerEffects<Run>) -> Bool {
        defer { draining = true }
        effects.bells.formUnion([.fetch, .flush, .change, .drain])
        return !draining
    }

    /// Grace is over: tells every running handler to stop and returns their leases, to hand back
    /// once the handlers have ended.
    package mutating func stopAllRunning(_ effects: inout WorkerEffects<Run>) -> [LeaseRef: LeasedJob] {
        var out: [LeaseRef: LeasedJob] = [:]
        for (lease, entry) in entries where entry.running && !entry.abandoned {
            if let job = abandon(lease, .shutdown, &effects) { out[lease] = job }
        }
        return out
    }

    /// Which of `leases` still have a handler running, given up on or not.
    package func running(_ leases: some Sequence<LeaseRef>) -> Set<LeaseRef> {
        Set(leases.filter { entries[$0]?.running == true || runaways.contains($0) })
    }
}
