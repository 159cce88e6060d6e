/// Where a retention sweep stopped: the last job it looked at, in creation order.
public struct RetentionCursor: Sendable, Hashable {
    /// `created_at` in microseconds since 1970 (the column's own resolution, so no row is skipped
    /// or seen twice).
    public var createdAtMicros: Int64
    public var id: String
}

/// One step of a retention sweep.
public struct RetentionStep: Sendable, Hashable {
    /// Finished jobs deleted (with their audit events).
    public var deleted: Int
    /// Jobs looked at, finished or not.
    public var scanned: Int
    /// The last job looked at; `nil` when nothing was left before the cut-off.
    public var last: RetentionCursor?
    /// Whether the step reached the cut-off: nothing older is left to look at after `last`.
    public var reachedCutoff: Bool
}

extension HistoryStore {
    /// Looks at up to `scan` jobs created before `cutoffMs`, oldest first and after `cursor`,
    /// and deletes those among them that finished (completed, dead or canceled) before the
    /// cut-off, with their audit events. A finished row without a finish time (left by releases
    /// that archived a dead letter's removal after retention) goes by its creation time.
    ///
    /// The walk goes forward through `jobs_created_idx` from the cursor, so a sweep looks at each
    /// old job once: jobs that are old but unfinished (scheduled far ahead, or stuck) are passed
    /// over instead of being read again by every step, as a "delete the oldest finished" query
    /// would. Bounded, so retention runs as many short transactions; rows another deleter holds
    /// are skipped, not waited for.
    public func deleteFinished(
        olderThan cutoffMs: Int64,
        after cursor: RetentionCursor?,
        scan: Int
    ) async throws(PostgresError) -> RetentionStep {
        guard scan > 0 else { return RetentionStep(deleted: 0, scanned: 0, last: cursor, reachedCutoff: false) }
        let window =
            cursor == nil
            ? "created_at < 'epoch'::timestamptz + $1::bigint * interval '1 millisecond'"
            : """
            created_at < 'epoch'::timestamptz + $1::bigint * interval '1 millisecond'
                AND (created_at, id) > ('epoch'::timestamptz + $3::bigint * interval '1 microsecond', $4::uuid)
            """
        var params: [String?] = [String(cutoffMs), String(scan)]
        if let cursor { params += [String(cursor.createdAtMicros), cursor.id] }
        let rows = try await client.query(
            """
            WITH scanned AS (
                SELECT id, created_at, state, finished_at FROM jobs
                WHERE \(window)
                ORDER BY created_at, id
                LIMIT $2
            ), doomed AS (
                SELECT j.id FROM jobs j JOIN scanned s ON s.id = j.id
                WHERE (s.finished_at < 'epoch'::timestamptz + $1::bigint * interval '1 millisecond'
                        OR s.finished_at IS NULL)
                    AND s.state IN ('completed', 'dead', 'canceled')
                FOR UPDATE OF j SKIP LOCKED
            ), events AS (
                DELETE FROM job_events WHERE job_id IN (SELECT id FROM doomed)
            ), deleted AS (
                DELETE FROM jobs WHERE id IN (SELECT id FROM doomed) RETURNING 1
            ), last AS (
                SELECT (extract(epoch FROM created_at) * 1000000)::bigint AS micros, id::text AS id
                FROM scanned ORDER BY created_at DESC, id DESC LIMIT 1
            )
            SELECT (SELECT count(*) FROM deleted) AS deleted, (SELECT count(*) FROM scanned) AS scanned,
                (SELECT micros FROM last) AS micros, (SELECT id FROM last) AS id
            """,
            params
        )
        let row = rows.row(0)
        let scanned = try row.int("scanned")
        var last = cursor
        if let micros = try row.int64("micros"), let id = row["id"] {
            last = RetentionCursor(createdAtMicros: micros, id: id)
        }
        return RetentionStep(deleted: try row.int("deleted"), scanned: scanned, last: last, reachedCutoff: scanned < scan)
    }

    /// Deletes up to `limit` finished jobs that finished before `cutoffMs`, oldest first, looking
    /// at no more than `limit` jobs; returns how many it deleted. For a whole sweep, use
    /// ``deleteFinished(olderThan:after:scan:)`` with its cursor.
    public func deleteFinished(olderThan cutoffMs: Int64, limit: Int) async throws(PostgresError) -> Int {
        try await deleteFinished(olderThan: cutoffMs, after: nil, scan: limit).deleted
    }
}
