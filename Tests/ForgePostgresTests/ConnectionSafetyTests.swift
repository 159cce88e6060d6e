import ForgePostgres
import ForgeTestSupport
import Foundation
import Testing

/// A Postgres connection must not hang a pool thread: statements are bounded, and a peer that
/// vanished is noticed in seconds (issue 8, item 10).
@Suite struct ConnectionSafetyTests {
    @Test func slowStatementIsCanceledByTheStatementTimeout() async throws {
        let client = PostgresClient(
            configuration: try PostgresConfiguration(url: TestDatabase.url, poolSize: 1, statementTimeoutMs: 300)
        )
        do {
            try await client.query("SELECT pg_sleep(5)")
            Issue.record("pg_sleep(5) was not canceled")
        } catch {
            #expect(error.sqlState == "57014")
        }
        // The connection is still good for the next statement.
        #expect(try await client.query("SELECT 1").rows == [["1"]])
        await client.shutdown()
    }

    @Test func aTimeoutChosenInTheURLWins() async throws {
        let url = TestDatabase.url + "?options=-c%20statement_timeout%3D1234"
        let client = PostgresClient(configuration: try PostgresConfiguration(url: url, poolSize: 1, statementTimeoutMs: 300))
        #expect(try await client.query("SHOW statement_timeout").rows == [["1234ms"]])
        await client.shutdown()
    }

    /// Without keepalives and a TCP user timeout, a connection whose peer vanished (host down,
    /// network cut) blocked its thread for the ~15 minutes of TCP retransmission.
    @Test func connectionsUseKeepalivesAndATCPUserTimeout() async throws {
        let client = PostgresClient(configuration: try PostgresConfiguration(url: TestDatabase.url, poolSize: 1))
        let settings = try await client.withConnection { connection in
            ["keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout"].map {
                connection.setting($0)
            }
        }
        #expect(settings == ["1", "10", "5", "3", "15000"])
        await client.shutdown()
    }
}
