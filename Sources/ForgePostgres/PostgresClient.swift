import ForgeIO

/// Postgres through a pool of libpq connections on threads of their own (see
/// ``BlockingConnectionPool``): blocking calls never run on Swift's cooperative executor.
public final class PostgresClient: Sendable {
    public let configuration: PostgresConfiguration
    private let pool: BlockingConnectionPool<PostgresConnection, PostgresError>
    /// Long statements (history searches) may hold all connections but one.
    private let longStatements: ConnectionShare

    public init(configuration: PostgresConfiguration) {
        self.configuration = configuration
        longStatements = ConnectionShare(limit: configuration.poolSize - 1)
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

    /// Like ``withConnection(_:)``, for work that may run long (a history search): at most
    /// `poolSize - 1` such bodies hold connections at once (at least one), so the rest of the
    /// traffic always finds a connection; the others wait their turn.
    public func withConnectionForLongStatement<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) throws(PostgresError) -> T
    ) async throws(PostgresError) -> T {
        try await longStatements.withPermit { () async throws(PostgresError) -> T in try await pool.withConnection(body) }
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
        (try? await check()) != nil
    }

    /// `SELECT 1`, throwing why it failed (unreachable, refused credentials): readiness logs it.
    public func check() async throws(PostgresError) {
        let rows = try await query("SELECT 1")
        guard rows.rows.first?.first == "1" else { throw .unexpectedResult("SELECT 1 answered \(rows.rows)") }
    }
}
