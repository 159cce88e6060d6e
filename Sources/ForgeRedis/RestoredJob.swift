import ForgeCore

/// A job to put back into a Redis that lost it (``QueueStore/restore(_:into:)``): what history
/// keeps of a job that had not finished.
public struct RestoredJob: Sendable, Hashable {
    public var id: JobID
    public var type: String
    /// JSON text.
    public var payload: String
    public var priority: Int
    public var maxAttempts: Int
    public var attempts: Int
    /// `pending`, `scheduled`, `retrying` or `active` (which comes back as a lost lease).
    public var state: JobState
    public var timeoutMs: Int64
    public var backoff: Backoff
    public var uniqueKey: String?
    public var createdAtMs: Int64
    /// When a scheduled or retrying job is due; `nil`: now.
    public var runAtMs: Int64?
    /// The job's last event number in history, which its next events continue from.
    public var seq: Int

    public init(
        id: JobID,
        type: String,
        payload: String,
        priority: Int,
        maxAttempts: Int,
        attempts: Int,
        state: JobState,
        timeoutMs: Int64,
        backoff: Backoff,
        uniqueKey: String?,
        createdAtMs: Int64,
        runAtMs: Int64?,
        seq: Int
    ) {
        self.id = id
        self.type = type
        self.payload = payload
        self.priority = priority
        self.maxAttempts = maxAttempts
        self.attempts = attempts
        self.state = state
        self.timeoutMs = timeoutMs
        self.backoff = backoff
        self.uniqueKey = uniqueKey
        self.createdAtMs = createdAtMs
        self.runAtMs = runAtMs
        self.seq = seq
    }

    var spec: JobSpec { JobSpec(type: type, timeoutMs: timeoutMs, backoff: backoff, uniqueKey: uniqueKey, payload: payload) }
}

/// What a restore did: jobs written back, and jobs Redis still had (left alone).
public struct RestoreOutcome: Sendable, Hashable {
    public var restored: Int
    public var present: Int

    public init(restored: Int = 0, present: Int = 0) {
        self.restored = restored
        self.present = present
    }

    public static func + (lhs: RestoreOutcome, rhs: RestoreOutcome) -> RestoreOutcome {
        RestoreOutcome(restored: lhs.restored + rhs.restored, present: lhs.present + rhs.present)
    }
}
