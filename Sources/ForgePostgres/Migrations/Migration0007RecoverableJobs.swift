extension Migration {
    /// Keeps a job's timeout and backoff in its history row, beside what the row held already
    /// (queue, type, payload, priority, attempts, run time, unique key): with them the row is
    /// the whole job, so a job that is not finished can be rebuilt in a Redis that lost it
    /// (`forge recover`). Rows written before stay NULL there and are rebuilt with the defaults.
    static let recoverableJobs = Migration(
        version: 7,
        name: "recoverable_jobs",
        sql: """
            ALTER TABLE jobs ADD COLUMN timeout_ms int, ADD COLUMN backoff_base_ms int, ADD COLUMN backoff_cap_ms int;
            """
    )
}
