extension HistoryStore {
    /// Deletes up to `limit` finished jobs (completed, dead or canceled) that finished before
    /// `cutoffMs`, with their audit events; returns how many jobs it deleted.
    ///
    /// Bounded so retention runs as many short transactions instead of one long one that would
    /// hold locks and bloat WAL; call it until it returns less than `limit`. Rows another deleter
    /// holds are skipped, not waited for. The `created_at` bound is implied by `finished_at` and
    /// lets the walk use `jobs_created_idx` (migration 2 dropped the `finished_at` index).
    public func deleteFinished(olderThan cutoffMs: Int64, limit: Int) async throws(PostgresError) -> Int {
        guard limit > 0 else { return 0 }
        let rows = try await client.query(
            """
            WITH doomed AS (
                SELECT id FROM jobs
                WHERE created_at < 'epoch'::timestamptz + $1::bigint * interval '1 millisecond'
                    AND finished_at < 'epoch'::timestamptz + $1::bigint * interval '1 millisecond'
                    AND state IN ('completed', 'dead', 'canceled')
                ORDER BY created_at
                LIMIT $2
                FOR UPDATE SKIP LOCKED
            ), events AS (
                DELETE FROM job_events WHERE job_id IN (SELECT id FROM doomed)
            )
            DELETE FROM jobs WHERE id IN (SELECT id FROM doomed)
            """,
            [String(cutoffMs), String(limit)]
        )
        return rows.affectedRows
    }
}
