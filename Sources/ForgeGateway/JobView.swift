import ForgeCore

/// A job as the API shows it: `{id, queue, type, state, priority, payload, attempts,
/// max_attempts, timeout_ms, created_at, run_at, started_at, finished_at, last_error, result,
/// unique_key, errors}`; times are RFC 3339 UTC with milliseconds, absent values `null`.
struct JobView: Encodable {
    struct ErrorView: Encodable {
        var attempt: Int
        var at: String
        var message: String
    }

    var record: JobRecord

    enum CodingKeys: String, CodingKey {
        case id, queue, type, state, priority, payload, attempts, errors, result
        case maxAttempts = "max_attempts"
        case timeoutMs = "timeout_ms"
        case createdAt = "created_at"
        case runAt = "run_at"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case lastError = "last_error"
        case uniqueKey = "unique_key"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(record.id.rawValue, forKey: .id)
        try c.encode(record.queue.rawValue, forKey: .queue)
        try c.encode(record.type, forKey: .type)
        try c.encode(record.state.rawValue, forKey: .state)
        try c.encode(record.priority, forKey: .priority)
        try c.encode(JSONValue(storedText: record.payload), forKey: .payload)
        try c.encode(record.attempts, forKey: .attempts)
        try c.encode(record.maxAttempts, forKey: .maxAttempts)
        try c.encodeOrNull(record.timeoutMs, forKey: .timeoutMs)
        try c.encode(RFC3339.format(milliseconds: record.createdAtMs), forKey: .createdAt)
        try c.encodeOrNull(record.runAtMs.map(RFC3339.format(milliseconds:)), forKey: .runAt)
        try c.encodeOrNull(record.startedAtMs.map(RFC3339.format(milliseconds:)), forKey: .startedAt)
        try c.encodeOrNull(record.finishedAtMs.map(RFC3339.format(milliseconds:)), forKey: .finishedAt)
        try c.encodeOrNull(record.lastError.flatMap { $0.isEmpty ? nil : $0 }, forKey: .lastError)
        try c.encodeOrNull(record.result.map(JSONValue.init(storedText:)), forKey: .result)
        try c.encodeOrNull(record.uniqueKey, forKey: .uniqueKey)
        let errors = record.errors.map {
            ErrorView(attempt: $0.attempt, at: RFC3339.format(milliseconds: $0.atMs), message: $0.message)
        }
        try c.encode(errors, forKey: .errors)
    }
}

/// `{id, state}`: what enqueue, cancel and DLQ retry answer.
struct JobStateView: Encodable {
    var id: String
    /// `nil` when a unique key matched a job whose live data already expired from Redis.
    var state: String?
    /// Only on a 202 cancel of an active job.
    var cancelRequested: Bool?

    enum CodingKeys: String, CodingKey {
        case id, state
        case cancelRequested = "cancel_requested"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encodeOrNull(state, forKey: .state)
        try c.encodeIfPresent(cancelRequested, forKey: .cancelRequested)
    }
}

/// `{"jobs": [...], "next_cursor": ...}`.
struct JobListView: Encodable {
    var jobs: [JobView]
    var nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case jobs
        case nextCursor = "next_cursor"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(jobs, forKey: .jobs)
        try c.encodeOrNull(nextCursor, forKey: .nextCursor)
    }
}
