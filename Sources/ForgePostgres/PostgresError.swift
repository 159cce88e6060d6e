/// Failures talking to Postgres, each with enough context to act on.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case connectionFailed, connectionBroken, query, unexpectedResult, configuration, shutdown, timeout
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// No connection could be made (server down, wrong address, refused auth).
        public static let connectionFailed = Code(.connectionFailed)
        /// An established connection failed mid-query (I/O error, server restart).
        public static let connectionBroken = Code(.connectionBroken)
        /// The server refused a statement; ``PostgresError/sqlState`` says why.
        public static let query = Code(.query)
        /// The server answered with a shape Forge does not expect: a bug or a foreign schema.
        public static let unexpectedResult = Code(.unexpectedResult)
        /// A setting is invalid; the message names it.
        public static let configuration = Code(.configuration)
        /// The client was shut down.
        public static let shutdown = Code(.shutdown)
        /// A statement ran past its time limit and the server canceled it (SQLSTATE 57014); the
        /// connection stays usable.
        public static let timeout = Code(.timeout)

        public var description: String { base.rawValue }
    }

    public var code: Code
    public var message: String
    /// The five-character SQLSTATE of a ``Code/query`` error (e.g. `23505` unique violation).
    public var sqlState: String?

    public init(code: Code, message: String, sqlState: String? = nil) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
    }

    /// Whether the error means Postgres is unreachable (as opposed to a refused statement).
    public var isUnavailable: Bool {
        code == .connectionFailed || code == .connectionBroken || code == .shutdown
    }

    /// Whether the failure is about reaching or using Postgres at all, whatever the data: no
    /// connection, a server shutting down, out of resources (SQLSTATE classes 08, 53, 57P, 58), a
    /// read-only standby (25), failed authentication or a missing database, schema or table
    /// (28, 3D, 3F, 42: not migrated, no privilege), a transaction conflict that passes on a
    /// retry (40, 55), or a bad setting. Every write fails alike while it lasts, so nothing
    /// should be set aside as the data's fault.
    public var isOutage: Bool {
        if isUnavailable || code == .configuration { return true }
        guard code == .query, let sqlState else { return false }
        if sqlState.hasPrefix("57P") { return true }
        return ["08", "53", "58", "25", "28", "3D", "3F", "42", "40", "55"].contains(String(sqlState.prefix(2)))
    }

    /// Whether the server refused the statement for the data it carried (SQLSTATE class 22, data
    /// exception, or 23, integrity violation), so sending the same data again fails again. Any
    /// other failure (connection, lock, timeout, missing table) may pass on a retry.
    public var refusesData: Bool {
        guard code == .query, let sqlState else { return false }
        return sqlState.hasPrefix("22") || sqlState.hasPrefix("23")
    }

    public var description: String {
        if let sqlState { return "postgres \(code) [\(sqlState)]: \(message)" }
        return "postgres \(code): \(message)"
    }

    static func unexpectedResult(_ context: String) -> PostgresError {
        PostgresError(code: .unexpectedResult, message: context)
    }
}
