import ForgePostgres
import ForgeTestSupport
import Testing

@Suite struct MigratorTests {
    @Test func migrationsApplyOnceAndSecondRunAppliesNothing() async throws {
        try await TestDatabase.withSchema(migrate: false) { client in
            let migrator = Migrator(client: client)
            #expect(try await migrator.appliedVersions() == [])
            #expect(try await migrator.migrate() == Migration.all.map(\.version))
            #expect(try await migrator.migrate() == [])
            #expect(try await migrator.appliedVersions() == Migration.all.map(\.version))
            let tables = try await client.query(
                "SELECT to_regclass('jobs') IS NOT NULL, to_regclass('job_events') IS NOT NULL"
            )
            #expect(tables.rows == [["t", "t"]])
        }
    }

    @Test func concurrentMigratorsApplyEachMigrationOnce() async throws {
        try await TestDatabase.withSchema(migrate: false) { client in
            let migrator = Migrator(client: client)
            async let first = migrator.migrate()
            async let second = migrator.migrate()
            let applied = try await first + second
            #expect(applied.sorted() == Migration.all.map(\.version))
        }
    }

    @Test func badURLIsRejectedNamingTheSetting() {
        #expect {
            try PostgresConfiguration(url: "mysql://x", setting: "--postgres-url")
        } throws: { error in
            let error = error as? PostgresError
            return error?.code == .configuration && error?.message.hasPrefix("--postgres-url:") == true
        }
    }

    @Test func unreachableServerIsUnavailable() async throws {
        let client = PostgresClient(configuration: try PostgresConfiguration(url: "postgres://forge@127.0.0.1:1/forge"))
        #expect(await client.ping() == false)
        await #expect {
            try await client.query("SELECT 1")
        } throws: { error in
            (error as? PostgresError)?.isUnavailable == true
        }
        await client.shutdown()
    }

    @Test func queryErrorCarriesSQLState() async throws {
        try await TestDatabase.withSchema(migrate: false) { client in
            #expect(await client.ping())
            await #expect {
                try await client.query("SELECT * FROM no_such_table")
            } throws: { error in
                let error = error as? PostgresError
                return error?.code == .query && error?.sqlState == "42P01" && error?.isUnavailable == false
            }
            // The connection survives a refused statement and a rolled-back transaction.
            await #expect(throws: PostgresError.self) {
                try await client.transaction { connection throws(PostgresError) in
                    try connection.query("CREATE TABLE t (x int)")
                    try connection.query("SELECT 1/0")
                }
            }
            let exists = try await client.query("SELECT to_regclass('t') IS NULL")
            #expect(exists.rows == [["t"]])
        }
    }
}

@Suite struct SchemaCheckTests {
    @Test func schemaIsCurrentOnlyOnceEveryMigrationIsApplied() async throws {
        try await TestDatabase.withSchema(migrate: false) { client in
            let check = SchemaCheck(client: client)
            #expect(await check.isCurrent() == false)
            // Only the first migration: still behind this binary.
            try await Migrator(client: client, migrations: Array(Migration.all.prefix(1))).migrate()
            #expect(await check.isCurrent() == (Migration.all.count == 1))
            try await Migrator(client: client).migrate()
            #expect(await check.isCurrent())
        }
    }

    @Test func unreachablePostgresIsNotCurrent() async throws {
        let client = PostgresClient(configuration: try PostgresConfiguration(url: "postgres://forge@127.0.0.1:1/forge"))
        #expect(await SchemaCheck(client: client).isCurrent() == false)
        await client.shutdown()
    }
}
