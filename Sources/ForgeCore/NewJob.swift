/// A validated request to enqueue one job; every field already within ``JobLimits``.
public struct NewJob: Sendable, Hashable {
    /// When the job may first run.
    public enum Start: Sendable, Hashable {
        case now
        /// Not before this wall-clock time (Unix milliseconds).
        case at(milliseconds: Int64)
        /// Not before this long after Redis receives the job.
        case after(milliseconds: Int64)
    }

    /// A deduplication key and how long it holds.
    public struct Uniqueness: Sendable, Hashable {
        public var key: String
        public var forMs: Int64
    }

    public var id: JobID
    public var queue: QueueName
    public var type: JobType
    /// The payload as JSON text, already checked to parse.
    public var payload: String
    public var priority: Int
    public var start: Start
    public var maxAttempts: Int
    public var timeoutMs: Int64
    public var backoff: Backoff
    public var uniqueness: Uniqueness?

    public static let defaultPriority = 5
    public static let defaultMaxAttempts = 25
    public static let defaultTimeoutMs: Int64 = 30_000
    public static let defaultUniqueForMs: Int64 = 86_400_000

    /// Validates every field, throwing a ``ValidationError`` that names the first bad one.
    ///
    /// - Parameter id: by default a new id tagged with the queue (``JobID/generate(tag:nowMilliseconds:)``).
    public init(
        id: JobID? = nil,
        queue: String? = nil,
        type: String,
        payload: String? = nil,
        payloadIsJSON: Bool = false,
        priority: Int? = nil,
        runAtMs: Int64? = nil,
        delayMs: Int64? = nil,
        maxAttempts: Int? = nil,
        timeoutMs: Int64? = nil,
        backoff: Backoff? = nil,
        uniqueKey: String? = nil,
        uniqueForMs: Int64? = nil,
        limits: JobLimits = .standard
    ) throws(ValidationError) {
        self.queue = try queue.map { (q: String) throws(ValidationError) in try QueueName(q) } ?? .default
        self.id = id ?? .generate(tag: self.queue.tag)
        self.type = try JobType(type)
        self.payload = try NewJob.checkPayload(payload ?? "null", limit: limits.maxPayloadBytes, isJSON: payloadIsJSON)
        self.priority = priority ?? NewJob.defaultPriority
        guard (0...9).contains(self.priority) else {
            throw ValidationError(field: "priority", reason: "must be an integer from 0 to 9")
        }
        switch (runAtMs, delayMs) {
        case (.some, .some):
            throw ValidationError(field: "run_at", reason: "must not be given together with delay_ms")
        case (.some(let at), nil):
            guard at >= 0 else { throw ValidationError(field: "run_at", reason: "must be after 1970-01-01") }
            start = .at(milliseconds: at)
        case (nil, .some(let delay)):
            guard (0...limits.maxDelayMs).contains(delay) else {
                throw ValidationError(field: "delay_ms", reason: "must be between 0 and \(limits.maxDelayMs)")
            }
            start = delay == 0 ? .now : .after(milliseconds: delay)
        case (nil, nil):
            start = .now
        }
        self.maxAttempts = maxAttempts ?? NewJob.defaultMaxAttempts
        guard limits.maxAttempts.contains(self.maxAttempts) else {
            throw ValidationError(
                field: "max_attempts",
                reason: "must be between \(limits.maxAttempts.lowerBound) and \(limits.maxAttempts.upperBound)"
            )
        }
        self.timeoutMs = timeoutMs ?? NewJob.defaultTimeoutMs
        guard limits.timeoutMs.contains(self.timeoutMs) else {
            throw ValidationError(
                field: "timeout_ms",
                reason: "must be between \(limits.timeoutMs.lowerBound) and \(limits.timeoutMs.upperBound)"
            )
        }
        self.backoff = backoff ?? .standard
        switch (uniqueKey, uniqueForMs) {
        case (nil, nil):
            uniqueness = nil
        case (nil, .some):
            throw ValidationError(field: "unique_for_ms", reason: "needs unique_key")
        case (.some(let key), let window):
            // Characters, as JSON Schema counts a string's length (the OpenAPI document's limit).
            guard (1...256).contains(key.unicodeScalars.count) else {
                throw ValidationError(field: "unique_key", reason: "must be 1 to 256 characters long")
            }
            guard !key.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
                throw ValidationError(field: "unique_key", reason: "must not contain control characters")
            }
            let forMs = window ?? NewJob.defaultUniqueForMs
            guard limits.uniqueForMs.contains(forMs) else {
                throw ValidationError(
                    field: "unique_for_ms",
                    reason: "must be between \(limits.uniqueForMs.lowerBound) and \(limits.uniqueForMs.upperBound)"
                )
            }
            uniqueness = Uniqueness(key: key, forMs: forMs)
        }
    }

    /// Checks that `text` is one JSON value no larger than `limit` bytes that history can store.
    /// `isJSON`: the caller already parsed it (the gateway parses each body once), so only size
    /// and U+0000 are checked here.
    public static func checkPayload(
        _ text: String,
        limit: Int,
        field: String = "payload",
        isJSON: Bool = false
    ) throws(ValidationError) -> String {
        guard text.utf8.count <= limit else {
            throw ValidationError(field: field, reason: "is larger than \(limit) bytes")
        }
        let valid = isJSON || JSONText.isValid(text)
        guard valid else { throw ValidationError(field: field, reason: "is not valid JSON") }
        guard !JSONText.containsNullCharacter(text) else {
            throw ValidationError(
                field: field,
                reason: "must not contain the character U+0000 (\\u0000): Postgres history cannot store it"
            )
        }
        return text
    }
}
