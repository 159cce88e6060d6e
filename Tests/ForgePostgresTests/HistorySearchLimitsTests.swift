import ForgeCore
import ForgePostgres
import ForgeTestSupport
import Foundation
import Testing

/// Searches cannot starve the pool: each runs under its own statement timeout and leaves a
/// connection for the rest of the traffic.
@Suite struct HistorySearchLimitsTests {
    @Test func aSearchPastItsTimeoutFailsAsATimeoutAndTheConnectionStaysUsable() async throws {
        try await TestDatabase.withSchema { setup in
            var configuration = setup.configuration
            configuration.poolSize = 1
            configuration.searchTimeoutMs = 200
            let client = PostgresClient(configuration: configuration)
            defer { Task { await client.shutdown() } }
            let store = HistoryStore(client: client)
            try await store.record(try completedJob(JobID.generate(), at: 1_700_000_000_000))

            // Another session holds the table: the search waits on the lock until its timeout.
            let locker = try PostgresConnection(configuration: configuration)
            try locker.execute("BEGIN; LOCK TABLE jobs IN ACCESS EXCLUSIVE MODE")
            let started = ContinuousClock.now
            await #expect {
                try await store.search(try JobQuery())
            } throws: { error in
                (error as? PostgresError)?.code == .timeout && (error as? PostgresError)?.message.contains("200 ms") == true
            }
            #expect(ContinuousClock.now - started < .seconds(3))
            try locker.execute("ROLLBACK")

            // The one pooled connection is back, idle, with the session's own timeout untouched.
            #expect(try await store.search(try JobQuery()).jobs.count == 1)
            let timeout = try await client.query("SHOW statement_timeout")
            #expect(timeout.rows.first?.first == "1min")
        }
    }

    @Test func searchesLeaveAConnectionForOtherWork() async throws {
        try await TestDatabase.withSchema { setup in
            var configuration = setup.configuration
            configuration.poolSize = 2
            // Searches hold their connection for 5 s: a lookup that waited behind one would take
            // over 4 s, one that did not takes milliseconds (2.5 s leaves room for a loaded machine).
            configuration.searchTimeoutMs = 5_000
            let client = PostgresClient(configuration: configuration)
            defer { Task { await client.shutdown() } }
            let store = HistoryStore(client: client)
            let locker = try PostgresConnection(configuration: configuration)
            try locker.execute("BEGIN; LOCK TABLE jobs IN ACCESS EXCLUSIVE MODE")

            // Two slow searches: with a pool of two, only one may hold a connection.
            let searches = Task {
                async let first = try? store.search(try JobQuery())
                async let second = try? store.search(try JobQuery())
                _ = await (first, second)
            }
            try await Task.sleep(for: .milliseconds(300))
            let started = ContinuousClock.now
            _ = try await client.query("SELECT 1")
            #expect(ContinuousClock.now - started < .milliseconds(2500), "a lookup waited behind searches")
            try locker.execute("ROLLBACK")
            await searches.value
        }
    }
}
