import ForgeCore
import ForgePostgres
import Foundation

/// A private schema per test, so tests run in parallel against one Postgres.
enum TestDatabase {
    static var url: String {
        ProcessInfo.processInfo.environment["FORGE_TEST_POSTGRES_URL"] ?? "postgres://forge@127.0.0.1:15432/forge"
    }

    /// Runs `body` with a client whose connections use a new schema, migrated unless `migrate` is
    /// false, and drops the schema afterwards whether `body` succeeds or not.
    static func withSchema<T>(
        migrate: Bool = true, _ body: (PostgresClient) async throws -> T
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

/// Builds events tersely; the stream id is irrelevant to the history store.
func event(
    _ id: JobID, _ seq: Int, _ kind: JobEvent.Kind, _ state: JobState, at: Int64, queue: String = "default",
    attempts: Int? = nil, type: String? = nil, payload: String? = nil, priority: Int? = nil,
    maxAttempts: Int? = nil, runAtMs: Int64? = nil, error: String? = nil, result: String? = nil
) throws -> JobEvent {
    JobEvent(
        streamID: "\(at)-\(seq)", jobID: id, queue: try QueueName(queue), seq: seq, kind: kind, state: state,
        atMs: at, attempts: attempts, type: type, payload: payload, priority: priority, maxAttempts: maxAttempts,
        runAtMs: runAtMs, error: error, result: result
    )
}

/// A job's whole life: enqueued, started, completed (seq 1…3).
func completedJob(_ id: JobID, at: Int64, queue: String = "default", type: String = "mail.send") throws -> [JobEvent] {
    [
        try event(id, 1, .enqueued, .pending, at: at, queue: queue, attempts: 0, type: type, payload: #"{"to":"a@b.c"}"#,
                  priority: 5, maxAttempts: 3),
        try event(id, 2, .started, .active, at: at + 10, queue: queue, attempts: 1),
        try event(id, 3, .completed, .completed, at: at + 20, queue: queue, result: #"{"ok":true}"#),
    ]
}
