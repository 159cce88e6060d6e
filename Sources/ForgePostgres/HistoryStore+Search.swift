import ForgeCore

extension HistoryStore {
    /// One page of archived jobs matching `query`, newest first (`created_at desc, id desc`).
    ///
    /// Keyset pagination: the next page starts strictly after the previous page's last
    /// `(created_at, id)`, so pages stay stable while new jobs arrive and deep pages cost the same
    /// as the first. Every filter combination walks an index in this order: by queue, by state for
    /// the rarer states (migration 2), by type (migration 4), or by creation time, filtering the
    /// rest (`loadtest/history-search.py` measures each on a million jobs).
    ///
    /// A search runs under ``PostgresConfiguration/searchTimeoutMs`` (its own `statement_timeout`)
    /// and holds one of the pool's connections for long statements, so searches that no index
    /// serves well fail with ``PostgresError/Code/timeout`` instead of taking the pool from lookups
    /// and the archiver. The connection stays usable after a timeout.
    public func search(_ query: JobQuery) async throws(PostgresError) -> JobPage {
        var conditions: [String] = []
        var params: [String?] = []
        func bind(_ value: String) -> String {
            params.append(value)
            return "$\(params.count)"
        }
        if let queue = query.queue { conditions.append("queue = \(bind(queue.rawValue))") }
        if let state = query.state { conditions.append("state = \(bind(state.rawValue))") }
        if let type = query.type { conditions.append("type = \(bind(type.rawValue))") }
        if let after = query.createdAfterMs {
            conditions.append("created_at >= \(Self.timestamp(bind(String(after)), unit: "millisecond"))")
        }
        if let before = query.createdBeforeMs {
            conditions.append("created_at < \(Self.timestamp(bind(String(before)), unit: "millisecond"))")
        }
        if let cursor = query.cursor {
            let at = Self.timestamp(bind(String(cursor.createdAtMicros)), unit: "microsecond")
            conditions.append("(created_at, id) < (\(at), \(bind(cursor.id.rawValue))::uuid)")
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        // One extra row tells whether another page exists without a COUNT.
        let sql = """
            SELECT \(Self.recordColumns), (extract(epoch FROM created_at) * 1000000)::bigint AS created_us
            FROM jobs \(filter)
            ORDER BY created_at DESC, id DESC
            LIMIT \(query.limit + 1)
            """
        let rows = try await Self.run(sql, params, on: client).all
        var jobs: [JobRecord] = []
        jobs.reserveCapacity(min(rows.count, query.limit))
        for row in rows.prefix(query.limit) { jobs.append(try Self.record(row)) }
        guard rows.count > query.limit, let last = rows.prefix(query.limit).last, let lastJob = jobs.last else {
            return JobPage(jobs: jobs, nextCursor: nil)
        }
        guard let micros = try last.int64("created_us") else {
            throw .unexpectedResult("jobs row \(lastJob.id) has no created_at")
        }
        return JobPage(jobs: jobs, nextCursor: JobCursor(createdAtMicros: micros, id: lastJob.id).description)
    }

    /// Runs the search in a transaction of its own whose `statement_timeout` is the search's.
    private static func run(_ sql: String, _ params: [String?], on client: PostgresClient) async throws(PostgresError) -> PostgresRows {
        let timeoutMs = client.configuration.searchTimeoutMs
        do {
            return try await client.withConnectionForLongStatement { connection throws(PostgresError) in
                guard timeoutMs > 0 else { return try connection.query(sql, params) }
                // BEGIN and SET LOCAL in one round trip; the setting ends with the transaction.
                try connection.execute("BEGIN; SET LOCAL statement_timeout = \(timeoutMs)")
                let rows: PostgresRows
                do throws(PostgresError) {
                    rows = try connection.query(sql, params)
                } catch {
                    _ = try? connection.execute("ROLLBACK")
                    throw error
                }
                try connection.execute("COMMIT")
                return rows
            }
        } catch where error.sqlState == "57014" {
            throw PostgresError(
                code: .timeout, message: "history search ran longer than \(timeoutMs) ms and was canceled", sqlState: error.sqlState
            )
        }
    }

    /// An exact timestamp from an integer parameter, without a round trip through floating point.
    private static func timestamp(_ placeholder: String, unit: String) -> String {
        "('epoch'::timestamptz + \(placeholder)::bigint * interval '1 \(unit)')"
    }
}
