import ForgeCore

/// A history search: filters, a page size and where the previous page ended.
///
/// Built from caller input (the gateway's query string, the CLI's flags), so the initializer
/// validates and throws a ``ValidationError`` naming the bad field.
public struct JobQuery: Sendable, Hashable {
    public static let limits = 1...1000
    public static let defaultLimit = 50

    public var queue: QueueName?
    public var state: JobState?
    public var type: JobType?
    /// Only jobs created at or after this Unix millisecond.
    public var createdAfterMs: Int64?
    /// Only jobs created before this Unix millisecond.
    public var createdBeforeMs: Int64?
    public var limit: Int
    /// Where the previous page ended; `nil` for the first page.
    public var cursor: JobCursor?
    /// Most bytes of payloads, results and errors a page may hold (always at least one job);
    /// `nil`: only `limit` bounds the page.
    public var maxBytes: Int?

    public init(
        queue: QueueName? = nil,
        state: JobState? = nil,
        type: JobType? = nil,
        createdAfterMs: Int64? = nil,
        createdBeforeMs: Int64? = nil,
        limit: Int = JobQuery.defaultLimit,
        cursor: String? = nil,
        maxBytes: Int? = nil
    ) throws(ValidationError) {
        guard Self.limits.contains(limit) else {
            throw ValidationError(field: "limit", reason: "must be between \(Self.limits.lowerBound) and \(Self.limits.upperBound)")
        }
        if let maxBytes, maxBytes < 1 {
            throw ValidationError(field: "max_bytes", reason: "must be at least 1")
        }
        self.maxBytes = maxBytes
        self.queue = queue
        self.state = state
        self.type = type
        self.createdAfterMs = createdAfterMs
        self.createdBeforeMs = createdBeforeMs
        self.limit = limit
        self.cursor = try cursor.map { (text: String) throws(ValidationError) -> JobCursor in try JobCursor(text) }
    }
}
