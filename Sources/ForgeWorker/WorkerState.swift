import ForgeCore
import ForgeRedis
import Synchronization

/// Why a running handler is stopped from outside.
enum StopReason: Sendable {
    /// The job was canceled (heartbeat said so): drop it silently.
    case canceled
    /// The lease is someone else's now: never ack.
    case leaseLost
    /// Graceful shutdown ran out of grace: the lease was handed back.
    case shutdown
    /// The job ran past its `timeout_ms`: the attempt fails.
    case timedOut
}

/// A leased job on its way to a handler, with the signal that stops it early.
struct Assignment: Sendable {
    var job: LeasedJob
    var control: RunControl
    /// When the handler is stopped for running past the job's `timeout_ms`.
    var deadline: ContinuousClock.Instant
}

/// The worker's shared bookkeeping: slots, in-flight leases, pending completions, drain state.
///
/// One lock guards it all so that "is there a free slot" and "take it" are one step; the loops
/// (fetcher, ack flusher, heartbeater, drainer) wait on doorbells that are rung after each change
/// that could unblock them.
final class WorkerState: Sendable {
    struct Entry {
        var job: LeasedJob
        var control: RunControl
        /// The handler still holds its slot.
        var running: Bool
        /// Canceled, lost, released or given up on: no more heartbeats, and the worker must not ack
        /// or fail it any more (but for a runaway's runner, which fails it as timed out if the lease
        /// was still good when the worker gave up on the handler).
        var abandoned: Bool
        /// When the lease was last known good: the lease or the last successful heartbeat was
        /// *sent* then, so Redis' deadline is at least this plus the visibility timeout.
        var confirmedAt: ContinuousClock.Instant
        /// When the handler is stopped for running past the job's `timeout_ms`.
        var deadline: ContinuousClock.Instant
        /// When the handler was told it timed out (once); the runaway grace counts from then.
        var timedOutAt: ContinuousClock.Instant?
    }

    struct State {
        /// Slots reserved for lease calls in flight plus slots of running handlers.
        var held = 0
        var running = 0
        /// Keyed by lease, not job: after a lease expires the same job may be leased again, by
        /// this worker too, while the first run is still being stopped.
        var entries: [LeaseRef: Entry] = [:]
        /// The newest lease of each job in `entries`, to find an older run of a re-leased job.
        var newest: [JobID: LeaseToken] = [:]
        var pending: [QueueName: [Completion]] = [:]
        var pendingCount = 0
        var flushing = false
        /// Set by the flusher when it left slots free, so the fetcher fills them even while
        /// other completions are queued.
        var fetchWanted = true
        var draining = false
        /// The deadline the watcher sleeps until; a job with an earlier one wakes it.
        var watchedDeadline: ContinuousClock.Instant?
        /// Runs whose handlers the worker gave up on and that still run; they hold no slot.
        var runaways: Set<LeaseRef> = []
    }

    let capacity: Int
    /// Extensions in sibling files reach it; nothing outside `WorkerState` does.
    let state = Mutex(State())
    let metrics: WorkerMetrics
    /// Rung when slots free up, acks are flushed, or draining begins.
    let fetchBell = Doorbell()
    /// Rung when a completion is queued or draining begins.
    let flushBell = Doorbell()
    /// Rung when an entry leaves the table or a flush ends (the drainer waits for idle).
    let changeBell = Doorbell()
    /// Rung once, when draining begins.
    let drainBell = Doorbell()
    /// Wakes the deadline watcher when a job with an earlier deadline than it sleeps for starts.
    let deadlineSignal = WakeSignal()
    let assignments: AsyncStream<Assignment>
    private let assignmentSink: AsyncStream<Assignment>.Continuation

    init(capacity: Int, metrics: WorkerMetrics) {
        self.capacity = capacity
        self.metrics = metrics
        (assignments, assignmentSink) = AsyncStream.makeStream(of: Assignment.self)
    }

    var isDraining: Bool { state.withLock { $0.draining } }

    // MARK: Slots

    /// Reserves up to `limit` free slots for the fetcher: 0 when it should wait (no free slot,
    /// or completions about to lease in the ack round trip), `nil` once draining.
    func reserveForFetch(limit: Int) -> Int? {
        state.withLock { s in
            if s.draining { return nil }
            let free = capacity - s.held
            guard free > 0, s.fetchWanted || (s.pendingCount == 0 && !s.flushing) else { return 0 }
            let n = min(free, limit)
            s.held += n
            s.fetchWanted = false
            return n
        }
    }

    /// Reserves up to `limit` free slots to lease with an ack; 0 when draining.
    func reserveForAck(limit: Int) -> Int {
        state.withLock { s in
            if s.draining { return 0 }
            let n = min(capacity - s.held, limit)
            guard n > 0 else { return 0 }
            s.held += n
            return n
        }
    }

    func unreserve(_ count: Int) {
        guard count > 0 else { return }
        state.withLock { $0.held -= count }
        fetchBell.ring()
    }

    /// Turns reservations into running jobs and hands them to the dispatcher. Once draining,
    /// nothing new starts: the jobs come back for the caller to release at once. A job leased
    /// again while an older run of it is still here (its lease expired meanwhile) stops that run
    /// as a lost lease. `sentAt` is when the lease call was sent.
    func admit(_ jobs: [LeasedJob], reserved: Int, sentAt: ContinuousClock.Instant) -> [LeasedJob] {
        var started: [Assignment] = []
        var superseded: [LeasedJob] = []
        var earlier = false
        let now = ContinuousClock.now
        let refused: [LeasedJob] = state.withLock { s in
            s.held -= reserved
            if s.draining { return jobs }
            for job in jobs {
                if let old = s.newest[job.id], old != job.token,
                    let stopped = Self.abandon(&s, LeaseRef(id: job.id, token: old), .leaseLost)
                {
                    superseded.append(stopped)
                }
                let control = RunControl()
                let deadline = now + .milliseconds(job.timeoutMs)
                s.entries[LeaseRef(job)] = Entry(
                    job: job,
                    control: control,
                    running: true,
                    abandoned: false,
                    confirmedAt: sentAt,
                    deadline: deadline
                )
                s.newest[job.id] = job.token
                started.append(Assignment(job: job, control: control, deadline: deadline))
                if s.watchedDeadline.map({ deadline < $0 }) ?? true {
                    s.watchedDeadline = deadline
                    earlier = true
                }
            }
            s.held += jobs.count
            s.running += jobs.count
            metrics.busy(s.running)
            return []
        }
        for job in superseded { metrics.failed(job, .leaseLost) }
        if earlier { deadlineSignal.signal() }
        if refused.isEmpty && reserved > jobs.count { fetchBell.ring() }
        for assignment in started {
            metrics.started(assignment.job)
            assignmentSink.yield(assignment)
        }
        return refused
    }

    /// The handler of `lease` has returned (or was stopped and ended): its slot is free. Queues
    /// `completion` for the ack flusher unless the job was abandoned meanwhile. Returns whether
    /// the job may still be reported (not abandoned).
    @discardableResult
    func handlerEnded(_ lease: LeaseRef, completion: Completion? = nil) -> Bool {
        let reportable = state.withLock { s -> Bool in
            guard var entry = s.entries[lease] else { return false }
            if entry.running {
                entry.running = false
                s.running -= 1
                s.held -= 1
                metrics.busy(s.running)
            }
            if let completion, !entry.abandoned {
                s.pending[entry.job.queue, default: []].append(completion)
                s.pendingCount += 1
            }
            s.entries[lease] = entry
            return !entry.abandoned
        }
        if completion != nil && reportable { flushBell.ring() }
        fetchBell.ring()
        changeBell.ring()
        return reportable
    }

    /// Forgets a job that is fully dealt with (failed, stopped).
    func remove(_ lease: LeaseRef) {
        state.withLock { Self.forget(&$0, lease) }
        changeBell.ring()
    }

    /// Drops an entry and, if it was the job's newest lease, the job's index entry.
    static func forget(_ s: inout State, _ lease: LeaseRef) {
        s.entries[lease] = nil
        if s.newest[lease.id] == lease.token { s.newest[lease.id] = nil }
    }

    /// Nothing running, nothing waiting to be reported.
    var isIdle: Bool { state.withLock { $0.entries.isEmpty && $0.pendingCount == 0 && !$0.flushing } }

    /// No handler is running (completions may still be on their way to Redis).
    var hasRunning: Bool { state.withLock { $0.running > 0 } }

    /// Ends the dispatcher's stream: the service is about to return.
    func finishAssignments() { assignmentSink.finish() }
}
