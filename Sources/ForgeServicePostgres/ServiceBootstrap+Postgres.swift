import ForgePostgres
import ForgeService

/// The Postgres side of ``ServiceBootstrap``, a module of its own so that a process without
/// history (a worker, one embedded in a user's binary) links no libpq.
extension ServiceBootstrap {
    /// A client on the configured Postgres URL whose connections use the namespace's schema,
    /// closed after every service has stopped.
    public func postgres(poolSize: Int, searchTimeoutMs: Int = PostgresConfiguration.defaultSearchTimeoutMs) throws -> PostgresClient {
        let client = PostgresClient(configuration: try postgresConfiguration(poolSize: poolSize, searchTimeoutMs: searchTimeoutMs))
        manage("postgres", shutdown: { await client.shutdown() })
        return client
    }

    /// The readiness checks of a process that needs history: Postgres answers (`postgres`), and
    /// its schema is current (`schema`: not ready until `forge migrate` has run, so the service
    /// waits for it), both through `client`.
    public func addPostgresChecks(through client: PostgresClient) {
        let schema = SchemaCheck(client: client)
        addCheck("postgres") {
            try await client.check()
            return true
        }
        addCheck("schema") { await schema.isCurrent() }
    }

    private func postgresConfiguration(poolSize: Int, searchTimeoutMs: Int) throws -> PostgresConfiguration {
        try PostgresConfiguration(
            url: try options.postgresURL(),
            poolSize: poolSize,
            schema: PostgresConfiguration.schema(forNamespace: options.namespace),
            connectTimeoutSeconds: 2,
            searchTimeoutMs: searchTimeoutMs,
            setting: SecretSetting.postgresURL.label
        )
    }
}
