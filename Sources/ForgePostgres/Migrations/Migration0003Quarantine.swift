extension Migration {
    /// Where the archiver puts job events Postgres refused, instead of retrying them forever.
    ///
    /// One row per refused event, keyed like `job_events` so a replayed batch quarantines nothing
    /// twice. `event` keeps every field as JSON text (`text`, not `jsonb`: the value that was
    /// refused may be one `jsonb` cannot hold), so an operator can repair and re-insert it.
    static let quarantine = Migration(
        version: 3,
        name: "history_quarantine",
        sql: """
            CREATE TABLE history_quarantine (
                job_id uuid NOT NULL,
                seq int NOT NULL,
                queue text COLLATE "C" NOT NULL,
                kind text NOT NULL,
                stream_id text NOT NULL,
                event text NOT NULL,
                reason text NOT NULL,
                sql_state text,
                quarantined_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (job_id, seq)
            );
            CREATE INDEX history_quarantine_at_idx ON history_quarantine (quarantined_at);
            """
    )
}
