/// One state transition of one job, as the Lua scripts append it to the queue's events stream
/// and the archiver writes it to Postgres.
///
/// Each event carries the job's per-job sequence number `seq`, so replaying a batch never moves a
/// history row backwards, and the fields the transition set (absent fields are `nil`).
public struct JobEvent: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case enqueued, started, completed, retried, died, canceled, promoted
        case leaseExpired = "lease_expired"
        case revived
        case removed
        /// A worker gave the lease back unfinished (graceful drain); the attempt does not count.
        case released

        /// Transitions worth an audit row in `job_events`; the rest only update `jobs`. A release
        /// is audited because, like a lease expiry, it can explain why a job ran more than once.
        public var isAudited: Bool {
            switch self {
            case .retried, .died, .canceled, .leaseExpired, .revived, .removed, .released: true
            case .enqueued, .started, .completed, .promoted: false
            }
        }
    }

    /// The stream entry id (`<ms>-<n>`); the archiver acknowledges by it.
    public var streamID: String
    public var jobID: JobID
    public var queue: QueueName
    public var seq: Int
    public var kind: Kind
    public var state: JobState
    public var atMs: Int64
    public var attempts: Int?
    public var type: String?
    public var payload: String?
    public var priority: Int?
    public var maxAttempts: Int?
    public var runAtMs: Int64?
    public var error: String?
    public var result: String?
    public var uniqueKey: String?
    /// From the job's spec, on `enqueued` only.
    public var timeoutMs: Int64?
    public var backoff: Backoff?

    public init(
        streamID: String,
        jobID: JobID,
        queue: QueueName,
        seq: Int,
        kind: Kind,
        state: JobState,
        atMs: Int64,
        attempts: Int? = nil,
        type: String? = nil,
        payload: String? = nil,
        priority: Int? = nil,
        maxAttempts: Int? = nil,
        runAtMs: Int64? = nil,
        error: String? = nil,
        result: String? = nil,
        uniqueKey: String? = nil,
        timeoutMs: Int64? = nil,
        backoff: Backoff? = nil
    ) {
        self.streamID = streamID
        self.jobID = jobID
        self.queue = queue
        self.seq = seq
        self.kind = kind
        self.state = state
        self.atMs = atMs
        self.attempts = attempts
        self.type = type
        self.payload = payload
        self.priority = priority
        self.maxAttempts = maxAttempts
        self.runAtMs = runAtMs
        self.error = error
        self.result = result
        self.uniqueKey = uniqueKey
        self.timeoutMs = timeoutMs
        self.backoff = backoff
    }
}
