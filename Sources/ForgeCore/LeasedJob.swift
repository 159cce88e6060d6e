/// The proof that one worker owns one attempt of a job until ``deadlineMs``.
///
/// Tokens come from a per-queue counter in Redis, so they never repeat; ack, fail and extend
/// must present the token of the current lease, so a worker whose lease expired (and whose job
/// was leased again by someone else) cannot complete it.
public struct LeaseToken: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
}

/// A job handed to a worker by the lease script: everything needed to run it and report back.
public struct LeasedJob: Sendable, Hashable {
    public var id: JobID
    public var queue: QueueName
    public var type: String
    /// JSON text.
    public var payload: String
    public var priority: Int
    /// Attempts so far, this one included.
    public var attempts: Int
    public var maxAttempts: Int
    public var timeoutMs: Int64
    public var backoff: Backoff
    public var token: LeaseToken
    public var createdAtMs: Int64
    /// When the job became runnable (enqueue time or its run_at): the start of its wait.
    public var readyAtMs: Int64
    public var leasedAtMs: Int64
    public var deadlineMs: Int64

    /// The visibility timeouts a lease may ask for (the worker's setting, the lease API's field).
    public static let visibilityMsRange: ClosedRange<Int64> = 300...86_400_000

    public init(
        id: JobID,
        queue: QueueName,
        type: String,
        payload: String,
        priority: Int,
        attempts: Int,
        maxAttempts: Int,
        timeoutMs: Int64,
        backoff: Backoff,
        token: LeaseToken,
        createdAtMs: Int64,
        readyAtMs: Int64,
        leasedAtMs: Int64,
        deadlineMs: Int64
    ) {
        self.id = id
        self.queue = queue
        self.type = type
        self.payload = payload
        self.priority = priority
        self.attempts = attempts
        self.maxAttempts = maxAttempts
        self.timeoutMs = timeoutMs
        self.backoff = backoff
        self.token = token
        self.createdAtMs = createdAtMs
        self.readyAtMs = readyAtMs
        self.leasedAtMs = leasedAtMs
        self.deadlineMs = deadlineMs
    }
}
