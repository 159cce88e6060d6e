/// One versioned schema change, applied once by ``Migrator`` in a transaction of its own.
///
/// Migrations are append-only: a released migration is never edited, a change is a new version.
public struct Migration: Sendable, Hashable {
    public var version: Int
    public var name: String
    /// One or more SQL statements; they run in the migration's transaction.
    public var sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// Every migration Forge ships, in version order.
    public static let all: [Migration] = [
        .initial,
        .leanIndexes,
        .quarantine,
        .typeIndex,
        .exactJSON,
        .boundedErrors,
        .recoverableJobs,
    ]
}
