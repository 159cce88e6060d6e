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
            try connection.query(Self.upsertJobs, jobs)
            if hasAudited { try connection.query(Self.insertEvents, audited) }
        }
    }

    /// `$1…$17`: one array per column (see `HistoryBatch.encoded()`).
    ///
    /// Every column keeps its stored value unless the batch set it (NULL in the arrays means "not
    /// set"). `created_at` keeps the stored value: only the first event sets it.
    /// Updates the jobs the batch already knows and inserts the others, in one statement: the
    /// CTE's UPDATE and the INSERT see the same snapshot, so each row is written once. A row only
    /// moves forward (`j.seq < x.seq`), which makes replays harmless, and `errors` only gains the
    /// entries newer than the row.
    static let upsertJobs = """
        WITH x AS (
            SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::smallint[], $6::text[],
                $7::int[], $8::int[], $9::bigint[], $10::bigint[], $11::bigint[], $12::bigint[], $13::jsonb[],
                $14::text[], $15::text[], $16::text[], $17::int[])
            AS x(id, queue, type, state, priority, payload, attempts, max_attempts, created_ms, run_at_ms,
                started_ms, finished_ms, errors, last_error, result, unique_key, seq)
        ),
        updated AS (
            UPDATE jobs AS j SET
                queue = x.queue,
                type = coalesce(x.type, j.type),
                state = x.state,
                priority = coalesce(x.priority, j.priority),
                payload = coalesce(x.payload::jsonb, j.payload),
                attempts = coalesce(x.attempts, j.attempts),
                max_attempts = coalesce(x.max_attempts, j.max_attempts),
                created_at = coalesce(j.created_at, to_timestamp(x.created_ms / 1000.0)),
                run_at = coalesce(to_timestamp(x.run_at_ms / 1000.0), j.run_at),
                started_at = coalesce(to_timestamp(x.started_ms / 1000.0), j.started_at),
                finished_at = CASE WHEN x.state IN ('completed', 'dead', 'canceled')
                    THEN coalesce(to_timestamp(x.finished_ms / 1000.0), j.finished_at) END,
                errors = j.errors || coalesce(
                    (SELECT jsonb_agg(e ORDER BY (e ->> 'seq')::int) FROM jsonb_array_elements(x.errors) AS e
                     WHERE (e ->> 'seq')::int > j.seq),
                    '[]'::jsonb),
                last_error = coalesce(x.last_error, j.last_error),
                result = coalesce(x.result::jsonb, j.result),
                unique_key = coalesce(x.unique_key, j.unique_key),
                seq = x.seq,
                updated_at = now()
            FROM x
            WHERE j.id = x.id AND j.seq < x.seq
        )
        INSERT INTO jobs (id, queue, type, state, priority, payload, attempts, max_attempts, created_at,
            run_at, started_at, finished_at, errors, last_error, result, unique_key, seq, updated_at)
        SELECT x.id, x.queue, x.type, x.state, x.priority, x.payload::jsonb, coalesce(x.attempts, 0),
            x.max_attempts, to_timestamp(x.created_ms / 1000.0), to_timestamp(x.run_at_ms / 1000.0),
            to_timestamp(x.started_ms / 1000.0), to_timestamp(x.finished_ms / 1000.0), x.errors, x.last_error,
            x.result::jsonb, x.unique_key, x.seq, now()
        FROM x
        WHERE NOT EXISTS (SELECT 1 FROM jobs WHERE jobs.id = x.id)
        ON CONFLICT (id) DO NOTHING
        """

    static let insertEvents = """
        INSERT INTO job_events (job_id, seq, queue, kind, state, at, attempt, error)
        SELECT x.job_id, x.seq, x.queue, x.kind, x.state, to_timestamp(x.at_ms / 1000.0), x.attempt, x.error
        FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::int[], $8::text[])
            AS x(job_id, seq, queue, kind, state, at_ms, attempt, error)
        ON CONFLICT (job_id, seq) DO NOTHING
        """
}
