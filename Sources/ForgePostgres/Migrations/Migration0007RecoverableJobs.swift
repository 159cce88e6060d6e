extension Migration {
    /// Keeps a job's timeout and backoff in its history row, beside what the row held already
    /// (queue, type, payload, priority, attempts, run time, unique key): with them the row is
    /// the whole job, so a job that is not finished can be rebuilt in a Redis that lost it
    /// (`forge recover`). Rows written before stay NULL there and are rebuilt with the defaults.
    ///
    /// `redis_generation` holds the generation of the Redis data history goes with (one row): the
    /// scheduler leader keeps the same value in Redis, and a Redis without it (emptied) or with
    /// another one (an older snapshot) has lost jobs that history can give back.
    /// `redis_mirror_schedules` and `redis_mirror_paused` copy what else lives only in Redis (cron
    /// schedules, paused queues), kept current by the leader, for the same recovery.
    static let recoverableJobs = Migration(
        version: 7,
        name: "recoverable_jobs",
        sql: """
            ALTER TABLE jobs ADD COLUMN timeout_ms int, ADD COLUMN backoff_base_ms int, ADD COLUMN backoff_cap_ms int;
            CREATE TABLE redis_generation (
                singleton bool PRIMARY KEY DEFAULT true CHECK (singleton),
                generation text NOT NULL,
                changed_at timestamptz NOT NULL DEFAULT now()
            );
            CREATE TABLE redis_mirror_schedules (name text PRIMARY KEY, schedule text NOT NULL);
            CREATE TABLE redis_mirror_paused (queue text PRIMARY KEY);
            """
    )
}
