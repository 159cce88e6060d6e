import ForgeCore

/// What happened to one job of an enqueue call.
public struct EnqueueResult: Sendable, Hashable {
    public var id: JobID
    public var queue: QueueName
    /// The job's state; `nil` when a unique key points at a job whose live data already expired.
    public var state: JobState?
    /// `false` when a unique key matched an existing job and `id` is that job's.
    public var created: Bool
}

/// Identifies one lease: the job and the token proving ownership.
public struct LeaseRef: Sendable, Hashable {
    public var id: JobID
    public var token: LeaseToken

    public init(id: JobID, token: LeaseToken) {
        self.id = id
        self.token = token
    }

    public init(_ job: LeasedJob) { self.init(id: job.id, token: job.token) }
}

/// A successful run to record: the lease and the handler's result (JSON text).
public struct Completion: Sendable, Hashable {
    public var id: JobID
    public var token: LeaseToken
    public var result: String?

    public init(id: JobID, token: LeaseToken, result: String? = nil) {
        self.id = id
        self.token = token
        self.result = result
    }
}

public struct AckOutcome: Sendable, Hashable {
    /// One flag per completion, in order: `false` means the lease was stale and nothing changed.
    public var completed: [Bool]
    /// One flag per completion: `true` when the job was completed by an earlier ack with the same
    /// token (a retry after a lost reply), so this one changed nothing and counts for nothing.
    public var repeated: [Bool]
    /// Jobs leased in the same round trip.
    public var leased: [LeasedJob]

    public init(completed: [Bool], repeated: [Bool]? = nil, leased: [LeasedJob]) {
        self.completed = completed
        self.repeated = repeated ?? completed.map { _ in false }
        self.leased = leased
    }
}

/// What a fail call did: its outcome, and whether an earlier fail with the same token already did it.
public struct FailReply: Sendable, Hashable {
    public var outcome: FailOutcome
    /// The job had already ended by this lease's earlier fail (a retry after a lost reply): this
    /// call changed nothing and counts for nothing.
    public var repeated: Bool

    public init(_ outcome: FailOutcome, repeated: Bool = false) {
        self.outcome = outcome
        self.repeated = repeated
    }
}

public enum FailOutcome: Sendable, Hashable {
    case retrying(atMs: Int64)
    case dead
    /// The job was canceled while it ran: it is not retried.
    case canceled
    /// The lease was no longer this worker's; nothing changed.
    case stale
}

public enum ExtendOutcome: Sendable, Hashable {
    case extended(deadlineMs: Int64)
    /// The job was canceled while it ran: stop the handler.
    case canceled
    /// The lease is no longer this worker's: stop the handler, do not ack.
    case stale
}

public enum CancelOutcome: Sendable, Hashable {
    case canceled
    /// The job is running; its worker cancels it at the next heartbeat.
    case cancelRequested
    case alreadyFinished(JobState)
    case notFound
}

/// The result of a promote or reclaim sweep over one queue.
public struct SweepOutcome: Sendable, Hashable {
    /// Jobs made ready.
    public var moved: Int
    /// Jobs moved to the dead set (reclaim only).
    public var died: Int
    /// The next time a promote or reclaim of the queue can find work (its first scheduled, retry
    /// or lease-deadline score), if anything waits.
    public var nextDueMs: Int64?
    /// How long until `nextDueMs` by Redis' clock, when that is still ahead (promote only).
    public var nextDueIn: Duration? = nil
}

/// A queue's depth by state.
public struct QueueCounts: Sendable, Hashable, Codable {
    public var scheduled: Int
    public var pending: Int
    public var active: Int
    public var retrying: Int
    public var dead: Int
    /// Completions since the queue was created (completed jobs themselves expire from Redis).
    public var completed: Int

    public init(scheduled: Int = 0, pending: Int = 0, active: Int = 0, retrying: Int = 0, dead: Int = 0, completed: Int = 0) {
        self.scheduled = scheduled
        self.pending = pending
        self.active = active
        self.retrying = retrying
        self.dead = dead
        self.completed = completed
    }
}

public struct QueueStatus: Sendable, Hashable {
    public var name: QueueName
    public var paused: Bool
    public var counts: QueueCounts
}
