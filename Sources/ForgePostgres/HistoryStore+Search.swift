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
    /// A page holds at most `query.limit` jobs and, with `query.maxBytes`, only jobs while their
    /// payloads, results and errors fit that budget (always the first, so paging progresses); the
    /// cursor then continues after the last job shown. Postgres applies the budget itself (see
    /// ``pageSQL(filter:limit:budget:)``), so it never ships more than that to the gateway.
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
        let budget = bind(String(query.maxBytes ?? Int.max))
        let rows = try await Self.run(Self.pageSQL(filter: filter, limit: query.limit, budget: budget), params, on: client).all
        var jobs: [JobRecord] = []
        jobs.reserveCapacity(rows.count)
        for row in rows { jobs.append(try Self.record(row)) }
        guard let last = rows.last, last["has_next"] == "t", let lastJob = jobs.last else {
            return JobPage(jobs: jobs, nextCursor: nil)
        }
        guard let micros = try last.int64("created_us") else {
            throw .unexpectedResult("jobs row \(lastJob.id) has no created_at")
        }
        return JobPage(jobs: jobs, nextCursor: JobCursor(createdAtMicros: micros, id: lastJob.id).description)
    }

    /// One page in keyset order, cut by count and by bytes.
    ///
    /// The inner query walks the index in page order and stops after `limit` rows; `has_next`
    /// (a `lead` over the whole match) says whether any row follows each one, so the page's last
    /// row tells whether there is a next page however the page was cut, without a COUNT.
    ///
    /// Measuring a `json` value's text means detoasting it (200 rows of 900 KiB took 350 ms here,
    /// where this statement answers their first page in 16 ms), so the stored size (`pg_column_size`: what the row occupies, compressed, about the text's
    /// size or less) first picks the rows that could fit; only those are measured exactly, as the
    /// text the API sends, and kept while the running total fits `budget`, the first one always.
    /// Each cut keeps a prefix of the keyset order; a row the stored size misjudged only makes the
    /// page shorter, since the cursor continues after the last row shown.
    static func pageSQL(filter: String, limit: Int, budget: String) -> String {
        let order = "ORDER BY created_at DESC, id DESC ROWS UNBOUNDED PRECEDING"
        let stored = """
            coalesce(pg_column_size(payload), 0) + coalesce(pg_column_size(result), 0) + coalesce(pg_column_size(errors), 0)
            + coalesce(pg_column_size(last_error), 0)
            """
        let exact = """
            coalesce(octet_length(payload::text), 0) + coalesce(octet_length(result::text), 0)
            + coalesce(octet_length(errors::text), 0) + coalesce(octet_length(last_error), 0)
            """
        return """
            SELECT \(recordColumns), created_us, has_next FROM (
                SELECT candidates.*, row_number() OVER page AS n, sum(\(exact)) OVER page AS bytes_through
                FROM (
                    SELECT jobs.*, (extract(epoch FROM created_at) * 1000000)::bigint AS created_us,
                        \(stored) AS stored_bytes, sum(\(stored)) OVER page AS stored_through,
                        lead(true, 1, false) OVER page AS has_next
                    FROM jobs \(filter)
                    WINDOW page AS (\(order))
                    ORDER BY created_at DESC, id DESC
                    LIMIT \(limit)
                ) candidates
                WHERE stored_through - stored_bytes <= \(budget)::bigint
                WINDOW page AS (\(order))
            ) measured
            WHERE n = 1 OR bytes_through <= \(budget)::bigint
            ORDER BY created_at DESC, id DESC
            """
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
        } catch  where error.sqlState == "57014" {
            throw PostgresError(
                code: .timeout,
                message: "history search ran longer than \(timeoutMs) ms and was canceled",
                sqlState: error.sqlState
            )
        }
    }

    /// An exact timestamp from an integer parameter, without a round trip through floating point.
    private static func timestamp(_ placeholder: String, unit: String) -> String {
        "('epoch'::timestamptz + \(placeholder)::bigint * interval '1 \(unit)')"
    }
}
