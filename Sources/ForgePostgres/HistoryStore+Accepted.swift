import ForgeCore

extension HistoryStore {
    /// Writes the history rows of jobs accepted but not yet in Redis (`FORGE_DURABILITY=postgres`):
    /// from the commit on, a Redis that loses them cannot lose them for good (``JobRecovery``
    /// rebuilds them). One statement for the whole batch; a row that exists is left alone, so a
    /// repeated request changes nothing.
    ///
    /// The row has `seq` 0: the job's first event from Redis (`enqueued`, seq 1) applies on top of
    /// it and sets the times Redis decided. `nowMs` stands in for them until then.
    public func recordAccepted(_ jobs: [NewJob], nowMs: Int64) async throws(PostgresError) {
        guard !jobs.isEmpty else { return }
        var columns = [PostgresArray](repeating: PostgresArray(), count: 14)
        for job in jobs {
            // As Redis will: a job to run now is runnable from its creation.
            let runAtMs: Int64 =
                switch job.start {
                case .now: nowMs
                case .at(let ms): ms
                case .after(let ms): nowMs + ms
                }
            columns[0].append(job.id.rawValue)
            columns[1].append(job.queue.rawValue)
            columns[2].append(job.type.rawValue)
            columns[3].append(runAtMs > nowMs ? JobState.scheduled.rawValue : JobState.pending.rawValue)
            columns[4].append(job.priority)
            columns[5].append(HistoryBatch.jsonText(job.payload))
            columns[6].append(job.maxAttempts)
            columns[7].append(nowMs)
            columns[8].append(runAtMs)
            columns[9].append(job.uniqueness?.key)
            columns[10].append(job.timeoutMs)
            columns[11].append(job.backoff.baseMs)
            columns[12].append(job.backoff.capMs)
            columns[13].append(0)
        }
        let parameters = columns.map(\.literal)
        _ = try await client.withConnection { connection throws(PostgresError) in
            try connection.query(
                prepared: "forge_record_accepted",
                Self.insertAccepted,
                parameters
            )
        }
    }

    static let insertAccepted = """
        INSERT INTO jobs (id, queue, type, state, priority, payload, attempts, max_attempts, created_at, run_at,
            unique_key, timeout_ms, backoff_base_ms, backoff_cap_ms, seq)
        SELECT x.id, x.queue, x.type, x.state, x.priority, x.payload::json, 0, x.max_attempts,
            to_timestamp(x.created_ms / 1000.0), to_timestamp(x.run_at_ms / 1000.0), x.unique_key, x.timeout_ms,
            x.backoff_base_ms, x.backoff_cap_ms, x.seq
        FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::smallint[], $6::text[], $7::int[],
            $8::bigint[], $9::bigint[], $10::text[], $11::int[], $12::int[], $13::int[], $14::int[])
            AS x(id, queue, type, state, priority, payload, max_attempts, created_ms, run_at_ms, unique_key, timeout_ms,
                backoff_base_ms, backoff_cap_ms, seq)
        ON CONFLICT (id) DO NOTHING
        """

    /// Removes the rows ``recordAccepted(_:nowMs:)`` wrote for jobs Redis then refused (or that
    /// met a unique key's holder), unless an event from Redis reached them meanwhile.
    public func forgetAccepted(_ ids: [JobID]) async throws(PostgresError) {
        guard !ids.isEmpty else { return }
        var array = PostgresArray()
        for id in ids { array.append(id.rawValue) }
        _ = try await client.query("DELETE FROM jobs WHERE id = ANY($1::uuid[]) AND seq = 0", [array.literal])
    }
}
