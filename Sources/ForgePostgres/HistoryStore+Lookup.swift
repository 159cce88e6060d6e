import ForgeCore
import FoundationEssentials

extension HistoryStore {
    /// The archived job with `id`, or `nil` if history has never seen it (or retention removed it).
    public func job(_ id: JobID) async throws(PostgresError) -> JobRecord? {
        let rows = try await client.query("SELECT \(Self.recordColumns) FROM jobs WHERE id = $1", [id.rawValue])
        guard !rows.isEmpty else { return nil }
        return try Self.record(rows.row(0))
    }

    /// The columns ``record(_:)`` reads, with timestamps as Unix milliseconds.
    static let recordColumns = """
        id::text AS id, queue, type, state, priority, payload::text AS payload, coalesce(attempts, 0) AS attempts, max_attempts,
        (extract(epoch FROM created_at) * 1000)::bigint AS created_ms,
        (extract(epoch FROM run_at) * 1000)::bigint AS run_at_ms,
        (extract(epoch FROM started_at) * 1000)::bigint AS started_ms,
        (extract(epoch FROM finished_at) * 1000)::bigint AS finished_ms,
        errors::text AS errors, errors_omitted, last_error, result::text AS result, unique_key
        """

    /// Decodes one row of ``recordColumns``. Columns a lost enqueue event left NULL get the
    /// defaults a new job would have had, since `JobRecord` shows every job the same way.
    static func record(_ row: PostgresRows.Row) throws(PostgresError) -> JobRecord {
        let idText = try row.string("id")
        let queueText = try row.string("queue")
        let stateText = try row.string("state")
        guard let id = try? JobID(idText), let queue = try? QueueName(queueText),
            let state = JobState(rawValue: stateText)
        else {
            throw .unexpectedResult("jobs row \(idText) has queue \(queueText) and state \(stateText)")
        }
        return JobRecord(
            id: id,
            queue: queue,
            type: row["type"] ?? "",
            state: state,
            priority: row["priority"].flatMap { Int($0) } ?? NewJob.defaultPriority,
            payload: row["payload"] ?? "null",
            attempts: try row.int("attempts"),
            maxAttempts: row["max_attempts"].flatMap { Int($0) } ?? NewJob.defaultMaxAttempts,
            createdAtMs: try row.int64("created_ms") ?? 0,
            runAtMs: try row.int64("run_at_ms"),
            startedAtMs: try row.int64("started_ms"),
            finishedAtMs: try row.int64("finished_ms"),
            lastError: row["last_error"],
            result: row["result"],
            uniqueKey: row["unique_key"],
            errors: try errors(row["errors"] ?? "[]", job: idText),
            errorsOmitted: row["errors_omitted"].flatMap { Int($0) } ?? 0
        )
    }

    private static func errors(_ json: String, job: String) throws(PostgresError) -> [AttemptError] {
        do {
            let entries = try JSONDecoder().decode([HistoryBatch.ErrorEntry].self, from: Data(json.utf8))
            return entries.map { AttemptError(attempt: $0.attempt ?? 0, atMs: $0.at, message: $0.error) }
        } catch {
            throw .unexpectedResult("jobs row \(job) has malformed errors: \(error)")
        }
    }
}
