import ForgeCore

extension HistoryStore {
    /// Writes `record` as the job's history row when history has none, and leaves an existing
    /// row alone; returns whether it wrote one.
    ///
    /// For a dead letter taken back from the dead-letter queue after history retention removed
    /// its row: without it, the events of the revived run built a row of their own, with no type
    /// or payload and the revival as its creation time. The row gets `seq` 0, so every event of
    /// the new run (numbered after the job's earlier ones) applies on top of it.
    @discardableResult
    public func restore(_ record: JobRecord) async throws(PostgresError) -> Bool {
        func time(_ ms: Int64?) -> String? { ms.map(String.init) }
        let rows = try await client.query(
            """
            INSERT INTO jobs (id, queue, type, state, priority, payload, attempts, max_attempts, created_at, run_at,
                started_at, finished_at, last_error, result, unique_key, seq)
            VALUES ($1::uuid, $2, $3, $4, $5::smallint, $6::json, $7::int, $8::int, to_timestamp($9::bigint / 1000.0),
                to_timestamp($10::bigint / 1000.0), to_timestamp($11::bigint / 1000.0), to_timestamp($12::bigint / 1000.0),
                $13, $14::json, $15, 0)
            ON CONFLICT (id) DO NOTHING
            RETURNING 1
            """,
            [
                record.id.rawValue, record.queue.rawValue, record.type, record.state.rawValue, String(record.priority),
                HistoryBatch.jsonText(record.payload), String(record.attempts), String(record.maxAttempts),
                String(record.createdAtMs), time(record.runAtMs), time(record.startedAtMs), time(record.finishedAtMs),
                record.lastError.map(HistoryBatch.withoutNUL), record.result.map(HistoryBatch.jsonText), record.uniqueKey,
            ]
        )
        return !rows.isEmpty
    }

    /// Those of `ids` history has no row for, in one query: a bulk retry restores only these
    /// (``restore(_:)``), instead of reading every job's payload from Redis to insert nothing.
    public func idsWithoutRows(_ ids: [JobID]) async throws(PostgresError) -> Set<JobID> {
        guard !ids.isEmpty else { return [] }
        var array = PostgresArray()
        for id in ids { array.append(id.rawValue) }
        let rows = try await client.query(
            "SELECT wanted::text AS id FROM unnest($1::uuid[]) AS wanted WHERE NOT EXISTS (SELECT 1 FROM jobs WHERE id = wanted)",
            [array.literal]
        )
        return Set(rows.all.compactMap { $0["id"].flatMap { try? JobID($0) } })
    }
}
