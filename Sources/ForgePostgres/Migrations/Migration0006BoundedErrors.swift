extension Migration {
    /// Bounds a job's `errors`: the archiver keeps the last ``HistoryBatch/keptErrors`` entries
    /// and counts the older ones in `errors_omitted`.
    ///
    /// `errors` used to grow by one entry per failed attempt forever, so a job failing hundreds of
    /// times with long messages, or revived from the dead-letter queue again and again, reached
    /// `jsonb`'s size limit; from then on every write of its queue's history failed.
    static let boundedErrors = Migration(
        version: 6,
        name: "bounded_errors",
        sql: """
            ALTER TABLE jobs ADD COLUMN errors_omitted int NOT NULL DEFAULT 0;
            """
    )
}
