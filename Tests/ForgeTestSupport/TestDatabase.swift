import ForgePostgres
import Foundation

/// A private Postgres schema per test (`FORGE_TEST_POSTGRES_URL`, started by scripts/test.sh), so
/// tests run in parallel against one server.
public enum TestDatabase {
    public static var url: String {
        ProcessInfo.processInfo.environment["FORGE_TEST_POSTGRES_URL"] ?? "postgres://forge@127.0.0.1:15432/forge"
    }

    /// Runs `body` with a client whose connections use a new schema, migrated unless `migrate` is
    /// false, and drops the schema afterwards whether `body` succeeds or not.
    public static func withSchema<T>(
        migrate: Bool = true,
        _ body: (PostgresClient) async throws -> T
    ) async throws -> T {
        let schema = "test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        let client = PostgresClient(
            configuration: try PostgresConfiguration(url: url, poolSize: 2, schema: schema, createSchema: true)
        )
        let result: Result<T, any Error>
        do {
            if migrate { try await Migrator(client: client).migrate() }
            result = .success(try await body(client))
        } catch {
            result = .failure(error)
        }
        _ = try? await client.query("DROP SCHEMA \(PostgresConnection.quoteIdentifier(schema)) CASCADE")
        await client.shutdown()
        return try result.get()
    }
}
