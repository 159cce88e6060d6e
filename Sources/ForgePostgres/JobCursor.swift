import ForgeCore

/// A history search position: the `(created_at, id)` of the last row of a page, as a
/// ``PageCursor`` whose key is `created_at` in microseconds since 1970, exact, so no row is
/// skipped or repeated at a page boundary.
public struct JobCursor: Sendable, Hashable, CustomStringConvertible {
    public var createdAtMicros: Int64
    public var id: JobID

    /// The largest position a cursor can hold (``PageCursor/maxPosition``: about year 33658).
    public static let maxMicros = PageCursor.maxPosition
    /// The cursor grammar (``PageCursor/pattern``).
    public static let pattern = PageCursor.pattern

    public init(createdAtMicros: Int64, id: JobID) {
        self.createdAtMicros = createdAtMicros
        self.id = id
    }

    /// Decodes a cursor a previous page returned.
    public init(_ encoded: String) throws(ValidationError) {
        let cursor = try PageCursor(encoded)
        self.init(createdAtMicros: cursor.position, id: cursor.id)
    }

    /// The string form.
    public var description: String { PageCursor(position: createdAtMicros, id: id).description }
}
