import ForgeCore
import ForgeRedis

/// Why a running handler is stopped from outside.
package enum StopReason: Sendable, Equatable {
    /// The job was canceled (heartbeat said so): drop it silently.
    case canceled
    /// The lease is someone else's now: never ack.
    case leaseLost
    /// Graceful shutdown ran out of grace: the lease was handed back.
    case shutdown
    /// The job ran past its `timeout_ms`: the attempt fails.
    case timedOut
}

/// The worker's bookkeeping and the rules that change it: slots, the runs in flight and their
/// leases, completions on their way to Redis, deadlines, runaways and the drain.
///
/// A value with no I/O and no clock, in the manner of postgres-nio's `PoolStateMachine`: every
/// event that depends on time brings `now`, and whatever an event makes happen outside (stop a
/// handler, wake a loop, set a gauge, count a lost lease) comes back in ``WorkerEffects`` for
/// the driver, ``WorkerState``, to carry out. So fencing, deadlines, the runaway grace, overdue
/// leases and the drain are unit-tested with an instant moved by hand (`WorkerCoreTests`), not
/// with sleeps against Redis. `Run` is what the driver stops a handler through (``RunControl``);
/// the core only stores it and hands it back.
package struct WorkerCore<Instant: InstantProtocol, Run> where Instant.Duration == Duration {
    package struct Entry {
        package var job: LeasedJob
        package var run: Run
        /// The handler still holds its slot.
        package var running: Bool
        /// Canceled, lost, released or given up on: no more heartbeats, and the worker must not ack
        /// or fail it any more (but for a runaway's runner, which fails it as timed out if the lease
        /// was still good when the worker gave up on the handler).
        package var abandoned: Bool
        /// When the lease was last known good: the lease or the last successful heartbeat was
        /// *sent* then, so Redis' deadline is at least this plus the visibility timeout.
        package var confirmedAt: Instant
        /// When the handler is stopped for running past the job's `timeout_ms`.
        package var deadline: Instant
        /// When the handler was told it timed out (once); the runaway grace counts from then.
        package var timedOutAt: Instant?
    }

    /// A run the driver hands to the dispatcher.
    package struct Start {
        package var job: LeasedJob
        package var run: Run
        package var deadline: Instant
    }

    package let capacity: Int
    /// Slots reserved for lease calls in flight plus slots of running handlers.
    package var held = 0
    package var running = 0
    /// Keyed by lease, not job: after a lease expires the same job may be leased again, by this
    /// worker too, while the first run is still being stopped.
    package var entries: [LeaseRef: Entry] = [:]
    /// The newest lease of each job in `entries`, to find an older run of a re-leased job.
    package var newest: [JobID: LeaseToken] = [:]
    package var pending: [QueueName: [Completion]] = [:]
    package var pendingCount = 0
    package var flushing = false
    /// Set when a flush left slots free, so the fetcher fills them even while other completions
    /// are queued.
    package var fetchWanted = true
    package var draining = false
    /// The deadline the watcher sleeps until; a job with an earlier one wakes it.
    package var watchedDeadline: Instant?
    /// Runs whose handlers the worker gave up on and that still run; they hold no slot.
    package var runaways: Set<LeaseRef> = []

    package init(capacity: Int) { self.capacity = capacity }

    // MARK: Slots

    /// Reserves up to `limit` free slots for the fetcher: 0 when it should wait (no free slot,
    /// or completions about to lease in the ack round trip), `nil` once draining.
    package mutating func reserveForFetch(limit: Int) -> Int? {
        if draining { return nil }
        let free = capacity - held
        guard free > 0, fetchWanted || (pendingCount == 0 && !flushing) else { return 0 }
        let n = min(free, limit)
        held += n
        fetchWanted = false
        return n
    }

    /// Reserves up to `limit` free slots to lease with an ack; 0 when draining.
    package mutating func reserveForAck(limit: Int) -> Int {
        if draining { return 0 }
        let n = min(capacity - held, limit)
        guard n > 0 else { return 0 }
        held += n
        return n
    }

    package mutating func unreserve(_ count: Int, _ effects: inout WorkerEffects<Run>) {
        guard count > 0 else { return }
        held -= count
        effects.bells.insert(.fetch)
    }

    /// Turns `reserved` slots into runs of `jobs`, leased by a call sent at `sentAt`. Once
    /// draining nothing new starts: every job is refused, for the caller to hand back at once. A
    /// job leased again while an older run of it is still here (that lease expired meanwhile)
    /// stops the older run as a lost lease.
    package mutating func admit(
        _ jobs: [LeasedJob],
        reserved: Int,
        sentAt: Instant,
        now: Instant,
        makeRun: () -> Run,
        _ effects: inout WorkerEffects<Run>
    ) -> (started: [Start], refused: [LeasedJob]) {
        held -= reserved
        if draining { return ([], jobs) }
        var started: [Start] = []
        started.reserveCapacity(jobs.count)
        for job in jobs {
            if let old = newest[job.id], old != job.token, let stopped = abandon(LeaseRef(id: job.id, token: old), .leaseLost, &effects) {
                effects.lost.append(stopped)
            }
            let run = makeRun()
            let deadline = now.advanced(by: .milliseconds(job.timeoutMs))
            entries[LeaseRef(job)] = Entry(job: job, run: run, running: true, abandoned: false, confirmedAt: sentAt, deadline: deadline)
            newest[job.id] = job.token
            started.append(Start(job: job, run: run, deadline: deadline))
            if watchedDeadline.map({ deadline < $0 }) ?? true {
                watchedDeadline = deadline
                effects.bells.insert(.deadline)
            }
        }
        held += jobs.count
        running += jobs.count
        effects.busy = running
        if reserved > jobs.count { effects.bells.insert(.fetch) }
        return (started, [])
    }

    /// The handler of `lease` has returned (or was stopped and ended): its slot is free. Queues
    /// `completion` for the ack flusher unless the job was abandoned meanwhile. Returns whether
    /// the job may still be reported (not abandoned).
    package mutating func handlerEnded(_ lease: LeaseRef, completion: Completion?, _ effects: inout WorkerEffects<Run>) -> Bool {
        effects.bells.formUnion([.fetch, .change])
        guard var entry = entries[lease] else { return false }
        if entry.running {
            entry.running = false
            running -= 1
            held -= 1
            effects.busy = running
        }
        if let completion, !entry.abandoned {
            pending[entry.job.queue, default: []].append(completion)
            pendingCount += 1
            effects.bells.insert(.flush)
        }
        entries[lease] = entry
        return !entry.abandoned
    }

    /// Forgets a run that is fully dealt with (failed, stopped).
    package mutating func remove(_ lease: LeaseRef, _ effects: inout WorkerEffects<Run>) {
        forget(lease)
        effects.bells.insert(.change)
    }

    /// Drops an entry and, if it was the job's newest lease, the job's index entry.
    package mutating func forget(_ lease: LeaseRef) {
        entries[lease] = nil
        if newest[lease.id] == lease.token { newest[lease.id] = nil }
    }

    /// Nothing running, nothing waiting to be reported.
    package var isIdle: Bool { entries.isEmpty && pendingCount == 0 && !flushing }
}

extension WorkerCore.Start: Sendable where Run: Sendable {}
