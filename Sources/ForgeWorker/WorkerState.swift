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
}

/// A leased job on its way to a handler, with the signal that stops it early.
struct Assignment: Sendable {
    var job: LeasedJob
    var stop: AsyncStream<StopReason>
}

/// The worker's shared bookkeeping: slots, in-flight leases, pending completions, drain state.
///
/// One lock guards it all so that "is there a free slot" and "take it" are one step; the loops
/// (fetcher, ack flusher, heartbeater, drainer) wait on doorbells that are rung after each change
/// that could unblock them.
final class WorkerState: Sendable {
    struct Entry {
        var job: LeasedJob
        var stop: AsyncStream<StopReason>.Continuation
        /// The handler still holds its slot.
        var running: Bool
        /// Canceled, lost or released: the worker must not ack or fail it any more.
        var abandoned: Bool
    }

    struct State {
        /// Slots reserved for lease calls in flight plus slots of running handlers.
        var held = 0
        var running = 0
        var entries: [JobID: Entry] = [:]
        var pending: [QueueName: [Completion]] = [:]
        var pendingCount = 0
        var flushing = false
        /// Set by the flusher when it left slots free, so the fetcher fills them even while
        /// other completions are queued.
        var fetchWanted = true
        var draining = false
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
    /// nothing new starts: the jobs come back for the caller to release at once.
    func admit(_ jobs: [LeasedJob], reserved: Int) -> [LeasedJob] {
        var started: [Assignment] = []
        let refused: [LeasedJob] = state.withLock { s in
            s.held -= reserved
            if s.draining { return jobs }
            for job in jobs {
                let (stream, continuation) = AsyncStream.makeStream(of: StopReason.self, bufferingPolicy: .bufferingNewest(1))
                s.entries[job.id] = Entry(job: job, stop: continuation, running: true, abandoned: false)
                started.append(Assignment(job: job, stop: stream))
            }
            s.held += jobs.count
            s.running += jobs.count
            metrics.busy(s.running)
            return []
        }
        if refused.isEmpty && reserved > jobs.count { fetchBell.ring() }
        for assignment in started {
            metrics.started(assignment.job)
            assignmentSink.yield(assignment)
        }
        return refused
    }

    /// The handler of `id` has returned (or was stopped and ended): its slot is free. Queues
    /// `completion` for the ack flusher unless the job was abandoned meanwhile. Returns whether
    /// the job may still be reported (not abandoned).
    @discardableResult
    func handlerEnded(_ id: JobID, completion: Completion? = nil) -> Bool {
        let reportable = state.withLock { s -> Bool in
            guard var entry = s.entries[id] else { return false }
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
            s.entries[id] = entry
            return !entry.abandoned
        }
        if completion != nil && reportable { flushBell.ring() }
        fetchBell.ring()
        changeBell.ring()
        return reportable
    }

    /// Forgets a job that is fully dealt with (failed, stopped).
    func remove(_ id: JobID) {
        state.withLock { _ = $0.entries.removeValue(forKey: id) }
        changeBell.ring()
    }

    /// Nothing running, nothing waiting to be reported.
    var isIdle: Bool { state.withLock { $0.entries.isEmpty && $0.pendingCount == 0 && !$0.flushing } }

    /// No handler is running (completions may still be on their way to Redis).
    var hasRunning: Bool { state.withLock { $0.running > 0 } }

    /// Ends the dispatcher's stream: the service is about to return.
    func finishAssignments() { assignmentSink.finish() }
}
