/// Brings a database's schema up to date: `forge migrate`, and test setup.
///
/// Applied versions are recorded in `forge_schema_migrations`. Every step runs under a
/// transaction-scoped advisory lock keyed by the current schema, so migrators started at the same
/// time (several replicas running `migrate` on boot) apply each migration exactly once while
/// migrators of other schemas do not wait for them. When the client's configuration names a
/// schema, the migrator creates it if it is missing (only then: a role without `CREATE` on the
/// database can migrate into a schema an administrator made for it).
public struct Migrator: Sendable {
    public let client: PostgresClient
    public let migrations: [Migration]

    public init(client: PostgresClient, migrations: [Migration] = Migration.all) {
        self.client = client
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    /// Applies every missing migration, each in its own transaction, and returns the versions it
    /// applied in order; an up-to-date schema returns `[]`.
    @discardableResult
    public func migrate() async throws(PostgresError) -> [Int] {
        let migrations = migrations
        let schema = client.configuration.schema
        return try await client.withConnection { connection throws(PostgresError) -> [Int] in
            if let schema { try Self.createIfMissing(schema: schema, connection) }
            try connection.transaction { connection throws(PostgresError) in
                try Self.lock(connection)
                try connection.execute(
                    """
                    CREATE TABLE IF NOT EXISTS forge_schema_migrations (
                        version int PRIMARY KEY,
                        name text NOT NULL,
                        applied_at timestamptz NOT NULL DEFAULT now()
                    )
                    """
                )
            }
            var applied: [Int] = []
            for migration in migrations {
                let didApply = try connection.transaction { connection throws(PostgresError) -> Bool in
                    try Self.lock(connection)
                    let existing = try connection.query(
                        "SELECT 1 FROM forge_schema_migrations WHERE version = $1",
                        [String(migration.version)]
                    )
                    guard existing.isEmpty else { return false }
                    try connection.execute(migration.sql)
                    try connection.query(
                        "INSERT INTO forge_schema_migrations (version, name) VALUES ($1, $2)",
                        [String(migration.version), migration.name]
                    )
                    return true
                }
                if didApply { applied.append(migration.version) }
            }
            return applied
        }
    }

    /// Versions recorded as applied, in order (empty before the first migration).
    public func appliedVersions() async throws(PostgresError) -> [Int] {
        let present = try await client.query("SELECT to_regclass('forge_schema_migrations') IS NOT NULL")
        guard present.rows.first?.first == "t" else { return [] }
        let rows = try await client.query("SELECT version FROM forge_schema_migrations ORDER BY version")
        var versions: [Int] = []
        for row in rows.all { versions.append(try row.int("version")) }
        return versions
    }

    /// Creates `schema` unless it exists; two migrators racing to create it both succeed.
    static func createIfMissing(schema: String, _ connection: PostgresConnection) throws(PostgresError) {
        guard try connection.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema]).isEmpty else { return }
        do throws(PostgresError) {
            try connection.execute("CREATE SCHEMA IF NOT EXISTS \(PostgresConnection.quoteIdentifier(schema))")
        } catch  where error.sqlState == "23505" || error.sqlState == "42P06" {
            // Created by another migrator between the check and the statement.
        }
    }

    /// Takes the migration lock for this transaction, and lifts the statement timeout for it: a
    /// migration on a large history may rightly take longer than any query.
    static func lock(_ connection: PostgresConnection) throws(PostgresError) {
        try connection.execute("SET LOCAL statement_timeout = 0")
        try connection.query("SELECT pg_advisory_xact_lock(hashtext('forge_schema_migrations:' || current_schema()))")
    }
}
