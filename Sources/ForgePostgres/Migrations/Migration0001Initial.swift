extension Migration {
    /// The history tables: one row per job (`jobs`) and the audited transitions (`job_events`).
    ///
    /// `jobs.seq` is the last applied per-job event sequence number; the archiver's upsert only
    /// moves a row forward in `seq`, which makes replays idempotent. The indexes serve the history
    /// search, all ordered `(created_at desc, id desc)` for keyset pagination, and retention
    /// (`finished_at`). A type-only search walks `jobs_created_idx`: every index costs the
    /// archiver a write per row, and filtering by type alone is rare.
    static let initial = Migration(
        version: 1,
        name: "initial",
        sql: """
            CREATE TABLE jobs (
                id uuid PRIMARY KEY,
                queue text NOT NULL,
                type text,
                state text NOT NULL,
                priority smallint,
                payload jsonb,
                attempts int NOT NULL DEFAULT 0,
                max_attempts int,
                created_at timestamptz,
                run_at timestamptz,
                started_at timestamptz,
                finished_at timestamptz,
                errors jsonb NOT NULL DEFAULT '[]',
                last_error text,
                result jsonb,
                unique_key text,
                seq int NOT NULL,
                updated_at timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX jobs_queue_state_created_idx ON jobs (queue, state, created_at DESC, id DESC);
            CREATE INDEX jobs_queue_created_idx ON jobs (queue, created_at DESC, id DESC);
            CREATE INDEX jobs_state_created_idx ON jobs (state, created_at DESC, id DESC);
            CREATE INDEX jobs_created_idx ON jobs (created_at DESC, id DESC);
            CREATE INDEX jobs_finished_idx ON jobs (finished_at);

            CREATE TABLE job_events (
                job_id uuid NOT NULL,
                seq int NOT NULL,
                queue text NOT NULL,
                kind text NOT NULL,
                state text NOT NULL,
                at timestamptz NOT NULL,
                attempt int,
                error text,
                PRIMARY KEY (job_id, seq)
            );
            CREATE INDEX job_events_at_idx ON job_events (at);
            """
    )
}
