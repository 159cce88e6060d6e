import ForgeCore

/// A job history says has not finished, with what it takes to rebuild it in a Redis that lost it.
public struct UnfinishedJob: Sendable, Hashable {
    public var record: JobRecord
    /// `nil` for rows archived before migration 7.
    public var timeoutMs: Int64?
    public var backoff: Backoff?
    /// The last event of the job that history applied.
    public var seq: Int
}

/// Where a walk over one state's unfinished jobs continues: after this creation time and id.
public struct UnfinishedCursor: Sendable, Hashable {
    public var state: JobState
    /// `created_at` as Postgres prints it, so the next page starts exactly after it.
    var createdAt: String
    var id: JobID
}

extension HistoryStore {
    /// The states of jobs that have not finished, in the order recovery rebuilds them: jobs that
    /// were running (and go back to the front of their queue, being the oldest), then waiting ones.
    public static let unfinishedStates: [JobState] = [.active, .pending, .scheduled, .retrying]

    /// Up to `limit` jobs in `state`, oldest first (by creation, then id), after `cursor`; and
    /// the cursor of the next page (`nil` when this one is the last). Walks the
    /// `(state, created_at, id)` index, so a page costs the same however much history there is.
    public func unfinishedJobs(
        _ state: JobState,
        after cursor: UnfinishedCursor? = nil,
        limit: Int = 1000
    ) async throws(PostgresError) -> (jobs: [UnfinishedJob], next: UnfinishedCursor?) {
        let rows = try await client.query(
            """
            SELECT \(Self.recordColumns), created_at::text AS created_key, timeout_ms, backoff_base_ms, backoff_cap_ms, seq
            FROM jobs
            WHERE state = $1 AND ($2::timestamptz IS NULL OR (created_at, id) > ($2::timestamptz, $3::uuid))
            ORDER BY created_at, id
            LIMIT $4
            """,
            [state.rawValue, cursor?.createdAt, cursor?.id.rawValue, String(limit)]
        )
        var jobs: [UnfinishedJob] = []
        jobs.reserveCapacity(rows.count)
        var last: (String, JobID)?
        for index in 0..<rows.count {
            let row = rows.row(index)
            let record = try Self.record(row)
            let base = try row.int64("backoff_base_ms")
            let cap = try row.int64("backoff_cap_ms")
            let backoff = base.flatMap { base in cap.flatMap { try? Backoff(baseMs: base, capMs: $0) } }
            jobs.append(UnfinishedJob(record: record, timeoutMs: try row.int64("timeout_ms"), backoff: backoff, seq: try row.int("seq")))
            last = (try row.string("created_key"), record.id)
        }
        let next = rows.count < limit ? nil : last.map { UnfinishedCursor(state: state, createdAt: $0.0, id: $0.1) }
        return (jobs, next)
    }
}

extension HistoryStore {
    /// The generation of the Redis data history goes with; `nil` before the first was recorded.
    public func redisGeneration() async throws(PostgresError) -> String? {
        let rows = try await client.query("SELECT generation FROM redis_generation")
        return rows.isEmpty ? nil : try rows.row(0).string("generation")
    }

    /// Records `generation` as the one history goes with.
    public func setRedisGeneration(_ generation: String) async throws(PostgresError) {
        _ = try await client.query(
            """
            INSERT INTO redis_generation (generation) VALUES ($1)
            ON CONFLICT (singleton) DO UPDATE SET generation = excluded.generation, changed_at = now()
            """,
            [generation]
        )
    }
}
