/// A cron schedule: every time `cron` fires (in `timeZone`), a job from `job` is enqueued.
///
/// Each tick is enqueued with the unique key `cron:<name>:<tick ms>`, so a tick fires once even
/// when a leader change makes two schedulers look at the same second.
public struct Schedule: Sendable, Hashable, Codable {
    public var name: String
    /// 5 fields (`min hour dom month dow`) or 6 with leading seconds.
    public var cron: String
    /// IANA name, e.g. `Europe/Berlin`; `UTC` by default.
    public var timeZone: String
    public var job: JobTemplate
    public var paused: Bool

    public init(name: String, cron: String, timeZone: String = "UTC", job: JobTemplate, paused: Bool = false) {
        self.name = name
        self.cron = cron
        self.timeZone = timeZone
        self.job = job
        self.paused = paused
    }

    enum CodingKeys: String, CodingKey {
        case name, cron, job, paused
        case timeZone = "time_zone"
    }

    /// Schedule names follow the queue-name alphabet, so they fit in keys and URLs.
    public static func validateName(_ name: String) throws(ValidationError) {
        _ = try QueueName(name, field: "name")
    }
}

/// The job a schedule enqueues at each tick (validated like an API job request).
public struct JobTemplate: Sendable, Hashable, Codable {
    public var type: String
    public var queue: String?
    /// JSON text.
    public var payload: String?
    public var priority: Int?
    public var maxAttempts: Int?
    public var timeoutMs: Int64?

    public init(type: String, queue: String? = nil, payload: String? = nil, priority: Int? = nil, maxAttempts: Int? = nil, timeoutMs: Int64? = nil) {
        self.type = type
        self.queue = queue
        self.payload = payload
        self.priority = priority
        self.maxAttempts = maxAttempts
        self.timeoutMs = timeoutMs
    }

    enum CodingKeys: String, CodingKey {
        case type, queue, payload, priority
        case maxAttempts = "max_attempts"
        case timeoutMs = "timeout_ms"
    }

    /// The queue each tick goes to.
    public func queueName() throws(ValidationError) -> QueueName {
        guard let queue else { return .default }
        return try QueueName(queue, field: "job.queue")
    }

    /// The job for one tick; `uniqueKey` makes the tick idempotent.
    public func newJob(uniqueKey: String, uniqueForMs: Int64) throws(ValidationError) -> NewJob {
        try NewJob(
            queue: queue,
            type: type,
            payload: payload,
            priority: priority,
            maxAttempts: maxAttempts,
            timeoutMs: timeoutMs,
            uniqueKey: uniqueKey,
            uniqueForMs: uniqueForMs
        )
    }
}
