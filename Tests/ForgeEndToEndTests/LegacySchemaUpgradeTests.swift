import ForgeCore
import ForgePostgres
import ForgeTestSupport
import Foundation
import Testing

extension OneStackAtATime {
    /// An installation from before per-namespace schemas kept its history where the role's search
    /// path pointed (`public`). `forge migrate` of the new release moves it into schema `forge`, and
    /// the services find it there.
    @Suite struct LegacySchemaUpgradeTests {
        @Test func migrateMovesAnOldReleasesHistoryFromPublicIntoTheNamespaceSchema() async throws {
            let postgres = try PrivatePostgres(ssl: false)
            try postgres.start()
            defer { postgres.stop() }
            let url = postgres.url()

            // The old layout: no schema configured, so the tables land in public.
            let old = PostgresClient(configuration: try PostgresConfiguration(url: url, poolSize: 1))
            try await Migrator(client: old, migrations: Array(Migration.all.prefix(3))).migrate()
            let id = JobID.generate()
            // A row as the old release wrote it (today's archiver writes columns later migrations add).
            try await old.query(
                """
                INSERT INTO jobs (id, queue, type, state, payload, attempts, created_at, seq)
                VALUES ($1, 'default', 'legacy', 'pending', '{}', 0, to_timestamp(1700000000), 1)
                """,
                [id.rawValue]
            )
            let placed = try await old.query("SELECT to_regclass('public.jobs') IS NOT NULL AS present")
            await old.shutdown()
            #expect(placed.rows == [["t"]])

            let upgrade = try await ServiceProcess.run("forge", ["migrate", "--json"], environment: ["FORGE_POSTGRES_URL": url])
            #expect(upgrade.status == 0, "\(upgrade.output)")
            let report = (try? JSONSerialization.jsonObject(with: Data(upgrade.output.utf8))) as? [String: Any] ?? [:]
            #expect(report["schema"] as? String == "forge", "\(upgrade.output)")
            #expect(report["moved_from"] as? String == "public", "\(upgrade.output)")
            // The old release had migrations 1 to 3; every later one is applied.
            #expect(report["applied"] as? [Int] == Migration.all.map(\.version).filter { $0 > 3 }, "\(upgrade.output)")

            let current = PostgresClient(configuration: try PostgresConfiguration(url: url, poolSize: 1, schema: "forge"))
            let job = try await HistoryStore(client: current).job(id)
            let left = try await current.query("SELECT to_regclass('public.jobs') IS NULL AS gone")
            await current.shutdown()
            #expect(job?.type == "legacy")
            #expect(left.rows == [["t"]])

            let again = try await ServiceProcess.run("forge", ["migrate"], environment: ["FORGE_POSTGRES_URL": url])
            #expect(again.status == 0 && again.output.contains("schema forge is up to date"), "\(again.output)")
            // Another installation beside it, with a plain URL, starts empty instead of taking history.
            let other = try await ServiceProcess.run(
                "forge",
                ["migrate", "--json", "--namespace", "other"],
                environment: ["FORGE_POSTGRES_URL": url]
            )
            #expect(other.output.contains(#""moved_from":null"#), "\(other.output)")
        }
    }
}
