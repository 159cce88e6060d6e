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
            try connection.query(prepared: "forge_upsert_jobs", Self.upsertJobs, jobs)
            if hasAudited { try connection.query(prepared: "forge_insert_events", Self.insertEvents, audited) }
        }
    }

    /// `$1…$22`: one array per column (see `HistoryBatch.encoded()`).
    ///
    /// One `INSERT … ON CONFLICT DO UPDATE`: a new job costs one index probe and one row write, a
    /// known one an update in place of the insert (the batch holds each job once, so no row is hit
    /// twice). Every column keeps its stored value unless the batch set it (NULL in the arrays
    /// means "not set", which is why `attempts` is nullable since migration 2); `created_at` keeps
    /// the stored value, since only the first event sets it. A row only moves forward
    /// (`j.seq < excluded.seq`), which makes replays harmless, and `errors` only gains the entries
    /// newer than the row, keeping the last ``HistoryBatch/keptErrors`` and counting the rest in
    /// `errors_omitted`. A job the batch knows only as `removed` gets no row when history has
    /// none (retention let it go before its dead letter left Redis): a row made of that event
    /// alone held a wrong type, payload and creation time and no finish time, so retention never
    /// deleted it. Measured against migration 1's CTE (update, then insert where missing): two
    /// of its three index probes per row and a third of the statement's time are gone.
    static let upsertJobs = """
        INSERT INTO jobs AS j (id, queue, type, state, priority, payload, attempts, max_attempts, created_at,
            run_at, started_at, finished_at, errors, last_error, result, unique_key, seq, errors_omitted, updated_at,
            timeout_ms, backoff_base_ms, backoff_cap_ms)
        SELECT x.id, x.queue, x.type, x.state, x.priority, x.payload::json, x.attempts, x.max_attempts,
            to_timestamp(x.created_ms / 1000.0), to_timestamp(x.run_at_ms / 1000.0),
            to_timestamp(x.started_ms / 1000.0), to_timestamp(x.finished_ms / 1000.0), x.errors, x.last_error,
            x.result::json, x.unique_key, x.seq, x.errors_omitted, now(), x.timeout_ms, x.backoff_base_ms, x.backoff_cap_ms
        FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::smallint[], $6::text[],
            $7::int[], $8::int[], $9::bigint[], $10::bigint[], $11::bigint[], $12::bigint[], $13::jsonb[],
            $14::text[], $15::text[], $16::text[], $17::int[], $18::int[], $19::bool[], $20::int[], $21::int[], $22::int[])
            AS x(id, queue, type, state, priority, payload, attempts, max_attempts, created_ms, run_at_ms,
                started_ms, finished_ms, errors, last_error, result, unique_key, seq, errors_omitted, creates,
                timeout_ms, backoff_base_ms, backoff_cap_ms)
        WHERE x.creates OR EXISTS (SELECT 1 FROM jobs AS known WHERE known.id = x.id)
        ON CONFLICT (id) DO UPDATE SET
            queue = excluded.queue,
            type = coalesce(excluded.type, j.type),
            state = excluded.state,
            priority = coalesce(excluded.priority, j.priority),
            payload = coalesce(excluded.payload, j.payload),
            attempts = coalesce(excluded.attempts, j.attempts),
            max_attempts = coalesce(excluded.max_attempts, j.max_attempts),
            created_at = coalesce(j.created_at, excluded.created_at),
            run_at = coalesce(excluded.run_at, j.run_at),
            started_at = coalesce(excluded.started_at, j.started_at),
            finished_at = CASE WHEN excluded.state IN ('completed', 'dead', 'canceled')
                THEN coalesce(excluded.finished_at, j.finished_at) END,
            (errors, errors_omitted) = (
                SELECT coalesce(jsonb_agg(a.e ORDER BY a.o) FILTER (WHERE a.o > a.n - \(HistoryBatch.keptErrors)), '[]'::jsonb),
                    j.errors_omitted + excluded.errors_omitted + greatest(0, coalesce(max(a.n), 0) - \(HistoryBatch.keptErrors))
                FROM (
                    SELECT t.e, t.o, count(*) OVER () AS n
                    FROM jsonb_array_elements(j.errors || coalesce(
                        (SELECT jsonb_agg(e ORDER BY (e ->> 'seq')::int) FROM jsonb_array_elements(excluded.errors) AS e
                         WHERE (e ->> 'seq')::int > j.seq),
                        '[]'::jsonb)) WITH ORDINALITY AS t(e, o)
                ) AS a),
            last_error = coalesce(excluded.last_error, j.last_error),
            result = coalesce(excluded.result, j.result),
            unique_key = coalesce(excluded.unique_key, j.unique_key),
            timeout_ms = coalesce(excluded.timeout_ms, j.timeout_ms),
            backoff_base_ms = coalesce(excluded.backoff_base_ms, j.backoff_base_ms),
            backoff_cap_ms = coalesce(excluded.backoff_cap_ms, j.backoff_cap_ms),
            seq = excluded.seq,
            updated_at = now()
        WHERE j.seq < excluded.seq
        """

    /// `removed` events of jobs history has no row for are left out (see ``upsertJobs``).
    static let insertEvents = """
        INSERT INTO job_events (job_id, seq, queue, kind, state, at, attempt, error)
        SELECT x.job_id, x.seq, x.queue, x.kind, x.state, to_timestamp(x.at_ms / 1000.0), x.attempt, x.error
        FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::int[], $8::text[])
            AS x(job_id, seq, queue, kind, state, at_ms, attempt, error)
        WHERE x.kind <> 'removed' OR EXISTS (SELECT 1 FROM jobs WHERE jobs.id = x.job_id)
        ON CONFLICT (job_id, seq) DO NOTHING
        """
}
