import ForgeCore
import ForgePostgres
import ForgeTestSupport
import Foundation
import Testing

/// Per-namespace schemas: `forge migrate` creates the namespace's schema, and moves a history an
/// older release kept where the URL's search path pointed into it, once.
@Suite struct MigratorAdoptionTests {
    @Test func migrateCreatesTheConfiguredSchema() async throws {
        let schema = "ns_\(UUID().uuidString.prefix(8).lowercased())"
        try await withClient(schema: schema) { client in
            let applied = try await Migrator(client: client).migrate()
            #expect(applied == Migration.all.map(\.version))
            let found = try await client.query("SELECT to_regclass($1) IS NOT NULL", ["\(schema).jobs"])
            #expect(found.rows == [["t"]])
        }
    }

    @Test func legacyHistoryFromTheURLsSearchPathMovesIntoTheNamespaceSchemaOnce() async throws {
        try await TestDatabase.withSchema { legacy in
            let legacySchema = try #require(legacy.configuration.schema)
            let id = JobID.generate()
            try await HistoryStore(client: legacy).record(try completedJob(id, at: 1_700_000_000_000))
            let target = "ns_\(UUID().uuidString.prefix(8).lowercased())"
            // The URL points at the old schema, as a deployment isolating itself before did.
            let url = "\(TestDatabase.url)?options=-csearch_path%3D\(legacySchema)"
            try await withClient(schema: target, url: url) { client in
                #expect(client.configuration.urlSetsSearchPath)
                let migrator = Migrator(client: client)
                let adopted = try await migrator.adoptLegacyTables()
                #expect(adopted == legacySchema)
                let again = try await migrator.adoptLegacyTables()
                #expect(again == nil)
                let applied = try await migrator.migrate()
                #expect(applied == [])
                let job = try await HistoryStore(client: client).job(id)
                #expect(job?.state == .completed)
            }
            let left = try await legacy.query("SELECT to_regclass('\(legacySchema).jobs') IS NULL")
            #expect(left.rows == [["t"]])
        }
    }

    @Test func aSchemaWithHistoryAdoptsNothing() async throws {
        try await TestDatabase.withSchema { legacy in
            let legacySchema = try #require(legacy.configuration.schema)
            let target = "ns_\(UUID().uuidString.prefix(8).lowercased())"
            try await withClient(schema: target, url: "\(TestDatabase.url)?options=-csearch_path%3D\(legacySchema)") { client in
                try await Migrator(client: client).migrate()
                let adopted = try await Migrator(client: client).adoptLegacyTables()
                #expect(adopted == nil)
            }
            let kept = try await legacy.query("SELECT to_regclass('\(legacySchema).jobs') IS NOT NULL")
            #expect(kept.rows == [["t"]])
        }
    }

    @Test(arguments: ["pg_forge", String(repeating: "n", count: 64), ""])
    func schemasPostgresCannotHoldAreRefused(_ name: String) {
        #expect(PostgresConfiguration.schemaProblem(name) != nil)
        #expect(throws: PostgresError.self) { try PostgresConfiguration(url: TestDatabase.url, schema: name) }
    }

    private func withClient(schema: String, url: String = TestDatabase.url, _ body: (PostgresClient) async throws -> Void) async throws {
        let client = PostgresClient(configuration: try PostgresConfiguration(url: url, poolSize: 1, schema: schema))
        let result: Result<Void, any Error>
        do {
            try await body(client)
            result = .success(())
        } catch { result = .failure(error) }
        _ = try? await client.query("DROP SCHEMA IF EXISTS \(PostgresConnection.quoteIdentifier(schema)) CASCADE")
        await client.shutdown()
        try result.get()
    }
}
