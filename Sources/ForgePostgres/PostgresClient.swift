import ForgeIO

/// Postgres through a pool of libpq connections on threads of their own (see
/// ``BlockingConnectionPool``): blocking calls never run on Swift's cooperative executor.
public final class PostgresClient: Sendable {
    public let configuration: PostgresConfiguration
    private let pool: BlockingConnectionPool<PostgresConnection, PostgresError>

    public init(configuration: PostgresConfiguration) {
        self.configuration = configuration
        pool = BlockingConnectionPool(
            size: configuration.poolSize,
            connect: { () throws(PostgresError) -> PostgresConnection in
                try PostgresConnection(configuration: configuration)
            },
            shutdownError: { PostgresError(code: .shutdown, message: "postgres client is shut down") }
        )
    }

    public func shutdown() async { await pool.shutdown() }

    /// Runs `body` with an exclusive connection on a pool thread.
    public func withConnection<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) throws(PostgresError) -> T
    ) async throws(PostgresError) -> T {
        try await pool.withConnection(body)
    }

    /// Runs one statement with text parameters `$1…$n` (`nil` is SQL NULL).
    @discardableResult
    public func query(_ sql: String, _ params: [String?] = []) async throws(PostgresError) -> PostgresRows {
        try await withConnection { connection throws(PostgresError) in try connection.query(sql, params) }
    }

    /// Runs `body` in one transaction on one connection: COMMIT if it returns, ROLLBACK if it throws.
    public func transaction<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) throws(PostgresError) -> T
    ) async throws(PostgresError) -> T {
        try await withConnection { connection throws(PostgresError) in try connection.transaction(body) }
    }

    /// `SELECT 1`; the readiness probe.
    public func ping() async -> Bool {
        (try? await query("SELECT 1"))?.rows.first?.first == "1"
    }
}
