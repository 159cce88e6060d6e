/// One failed attempt, as kept in a job's `errors` history.
public struct AttemptError: Sendable, Hashable, Codable {
    public var attempt: Int
    public var atMs: Int64
    public var message: String

    public init(attempt: Int, atMs: Int64, message: String) {
        self.attempt = attempt
        self.atMs = atMs
        self.message = message
    }
}

/// A job as the API shows it, read from Redis while it is live and from Postgres after.
public struct JobRecord: Sendable, Hashable {
    public var id: JobID
    public var queue: QueueName
    public var type: String
    public var state: JobState
    public var priority: Int
    /// JSON text.
    public var payload: String
    public var attempts: Int
    public var maxAttempts: Int
    public var timeoutMs: Int64?
    public var createdAtMs: Int64
    public var runAtMs: Int64?
    public var startedAtMs: Int64?
    public var finishedAtMs: Int64?
    public var lastError: String?
    /// JSON text.
    public var result: String?
    public var uniqueKey: String?
    /// Failed attempts, oldest first; Postgres keeps the last 20 of them, Redis only the last.
    public var errors: [AttemptError]
    /// Failed attempts older than those in ``errors``, counted but not kept.
    public var errorsOmitted: Int

    public init(
        id: JobID,
        queue: QueueName,
        type: String,
        state: JobState,
        priority: Int,
        payload: String,
        attempts: Int,
        maxAttempts: Int,
        timeoutMs: Int64? = nil,
        createdAtMs: Int64,
        runAtMs: Int64? = nil,
        startedAtMs: Int64? = nil,
        finishedAtMs: Int64? = nil,
        lastError: String? = nil,
        result: String? = nil,
        uniqueKey: String? = nil,
        errors: [AttemptError] = [],
        errorsOmitted: Int = 0
    ) {
        self.id = id
        self.queue = queue
        self.type = type
        self.state = state
        self.priority = priority
        self.payload = payload
        self.attempts = attempts
        self.maxAttempts = maxAttempts
        self.timeoutMs = timeoutMs
        self.createdAtMs = createdAtMs
        self.runAtMs = runAtMs
        self.startedAtMs = startedAtMs
        self.finishedAtMs = finishedAtMs
        self.lastError = lastError
        self.result = result
        self.uniqueKey = uniqueKey
        self.errors = errors
        self.errorsOmitted = errorsOmitted
    }
}
