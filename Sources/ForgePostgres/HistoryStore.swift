import ForgeCore

/// The durable job history in Postgres: the archiver writes it, the gateway and CLI read it.
///
/// Writes are idempotent under replay: a `jobs` row only moves forward in `seq` and `job_events`
/// is keyed by `(job_id, seq)`, so the archiver may re-deliver any batch it did not acknowledge.
public struct HistoryStore: Sendable {
    public let client: PostgresClient

    public init(client: PostgresClient) {
        self.client = client
    }

    /// Writes a batch of events: one `jobs` upsert and one `job_events` insert, in one transaction.
    ///
    /// The batch is coalesced by job first (see `HistoryBatch`), so each job costs one row write
    /// however many of its transitions the batch holds.
    public func record(_ events: [JobEvent]) async throws(PostgresError) {
        guard !events.isEmpty else { return }
        let batch = HistoryBatch(events)
        let (jobs, audited) = try batch.encoded()
        let hasAudited = !batch.events.isEmpty
        try await client.transaction { connection throws(PostgresError) in
            try connection.query(Self.upsertJobs, [jobs])
            if hasAudited { try connection.query(Self.insertEvents, [audited]) }
        }
    }

    /// `$1`: a JSON object of job records keyed by job id.
    ///
    /// Every column keeps its stored value unless the batch set it, and nothing happens unless the
    /// batch is newer (`jobs.seq < excluded.seq`). `attempts` is NOT NULL, so the inserted row
    /// cannot carry "unknown"; the update reads whether the batch set it from `$1` by id instead.
    /// An error entry is appended only if its `seq` is newer than the row, so a replay never adds
    /// one twice. `created_at` keeps the stored value: only the first event sets it.
    static let upsertJobs = """
        INSERT INTO jobs AS j (id, queue, type, state, priority, payload, attempts, max_attempts, created_at,
            run_at, started_at, finished_at, errors, last_error, result, unique_key, seq, updated_at)
        SELECT x.id, x.queue, x.type, x.state, x.priority, x.payload::jsonb, coalesce(x.attempts, 0),
            x.max_attempts, to_timestamp(x.created_ms / 1000.0), to_timestamp(x.run_at_ms / 1000.0),
            to_timestamp(x.started_ms / 1000.0), to_timestamp(x.finished_ms / 1000.0), x.errors, x.last_error,
            x.result::jsonb, x.unique_key, x.seq, now()
        FROM jsonb_each($1::jsonb) AS r(key, value),
            jsonb_to_record(r.value) AS x(id uuid, queue text, type text, state text, priority smallint,
                payload text, attempts int, max_attempts int, created_ms bigint, run_at_ms bigint,
                started_ms bigint, finished_ms bigint, errors jsonb, last_error text, result text,
                unique_key text, seq int)
        ON CONFLICT (id) DO UPDATE SET
            queue = excluded.queue,
            type = coalesce(excluded.type, j.type),
            state = excluded.state,
            priority = coalesce(excluded.priority, j.priority),
            payload = coalesce(excluded.payload, j.payload),
            attempts = coalesce(($1::jsonb -> excluded.id::text ->> 'attempts')::int, j.attempts),
            max_attempts = coalesce(excluded.max_attempts, j.max_attempts),
            created_at = coalesce(j.created_at, excluded.created_at),
            run_at = coalesce(excluded.run_at, j.run_at),
            started_at = coalesce(excluded.started_at, j.started_at),
            finished_at = CASE WHEN excluded.state IN ('completed', 'dead', 'canceled')
                THEN coalesce(excluded.finished_at, j.finished_at) END,
            errors = j.errors || coalesce(
                (SELECT jsonb_agg(e ORDER BY (e ->> 'seq')::int) FROM jsonb_array_elements(excluded.errors) AS e
                 WHERE (e ->> 'seq')::int > j.seq),
                '[]'::jsonb),
            last_error = coalesce(excluded.last_error, j.last_error),
            result = coalesce(excluded.result, j.result),
            unique_key = coalesce(excluded.unique_key, j.unique_key),
            seq = excluded.seq,
            updated_at = now()
        WHERE j.seq < excluded.seq
        """

    /// `$1`: a JSON array of audited events. Append-only; a replayed event is skipped.
    static let insertEvents = """
        INSERT INTO job_events (job_id, seq, queue, kind, state, at, attempt, error)
        SELECT x.job_id, x.seq, x.queue, x.kind, x.state, to_timestamp(x.at_ms / 1000.0), x.attempt, x.error
        FROM jsonb_to_recordset($1::jsonb) AS x(job_id uuid, seq int, queue text, kind text, state text,
            at_ms bigint, attempt int, error text)
        ON CONFLICT (job_id, seq) DO NOTHING
        """
}
