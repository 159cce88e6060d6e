extension Migrator {
    /// The tables of Forge's history, as migrations 1 to 3 create them.
    static let historyTables = ["forge_schema_migrations", "jobs", "job_events", "history_quarantine"]

    /// Moves the history a release before per-namespace schemas kept where the URL's own
    /// `search_path` pointed (usually `public`) into the configured schema, when that schema has
    /// no history yet; returns the schema it moved the tables from, or `nil`.
    ///
    /// `ALTER TABLE … SET SCHEMA` only changes the catalog: instant whatever the size of the
    /// history, with indexes and constraints going along. It runs under the migration lock, so
    /// concurrent `forge migrate` runs move the tables once. Only the caller knows whether the
    /// old tables are this installation's (see `forge migrate`): an installation sharing the
    /// database must not take another's history.
    public func adoptLegacyTables() async throws(PostgresError) -> String? {
        guard let target = client.configuration.schema else { return nil }
        return try await client.withConnection { connection throws(PostgresError) -> String? in
            try Self.createIfMissing(schema: target, connection)
            return try connection.transaction { connection throws(PostgresError) -> String? in
                try Self.lock(connection)
                let quotedTarget = PostgresConnection.quoteIdentifier(target)
                let present = try connection.query(
                    "SELECT to_regclass($1) IS NOT NULL AS present",
                    ["\(quotedTarget).forge_schema_migrations"]
                )
                guard present.row(0)["present"] == "f" else { return nil }
                // For the rest of this transaction, the search path the connection had before Forge
                // set its own: the URL's options, the role's or database's default, else the
                // server's ("$user", public).
                try connection.query("SELECT set_config('search_path', reset_val, true) FROM pg_settings WHERE name = 'search_path'")
                let legacy = try connection.query(
                    """
                    SELECT n.nspname AS schema FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE c.oid = to_regclass('forge_schema_migrations')
                    """
                )
                guard let source = legacy.rows.first.flatMap({ $0.first ?? nil }), source != target else { return nil }
                let tables = try connection.query(
                    """
                    SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = $1 AND c.relname = ANY($2::text[]) AND c.relkind IN ('r', 'p')
                    """,
                    [source, "{\(Self.historyTables.joined(separator: ","))}"]
                )
                let quotedSource = PostgresConnection.quoteIdentifier(source)
                for row in tables.all {
                    let table = PostgresConnection.quoteIdentifier(try row.string("name"))
                    try connection.execute("ALTER TABLE \(quotedSource).\(table) SET SCHEMA \(quotedTarget)")
                }
                return source
            }
        }
    }
}
