import ForgeCore
import FoundationEssentials

extension HistoryStore {
    /// Keeps job events Postgres refused in `history_quarantine`, with the reason, so the archiver
    /// can acknowledge them instead of replaying them forever. A replay quarantines nothing twice.
    public func quarantine(_ events: [JobEvent], reason: String, sqlState: String?) async throws(PostgresError) {
        guard !events.isEmpty else { return }
        var columns = [PostgresArray](repeating: PostgresArray(), count: 6)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for event in events {
            columns[0].append(event.jobID.rawValue)
            columns[1].append(event.seq)
            columns[2].append(event.queue.rawValue)
            columns[3].append(event.kind.rawValue)
            columns[4].append(event.streamID)
            // JSONEncoder escapes control characters, so the text holds no NUL whatever the event carried.
            let json = (try? encoder.encode(QuarantinedEvent(event))).map { String(decoding: $0, as: UTF8.self) }
            columns[5].append(json ?? "{}")
        }
        try await client.query(
            """
            INSERT INTO history_quarantine (job_id, seq, queue, kind, stream_id, event, reason, sql_state)
            SELECT x.job_id, x.seq, x.queue, x.kind, x.stream_id, x.event, $7, $8
            FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[])
                AS x(job_id, seq, queue, kind, stream_id, event)
            ON CONFLICT (job_id, seq) DO NOTHING
            """,
            columns.map(\.literal) + [HistoryBatch.withoutNUL(reason), sqlState]
        )
    }
}

/// Every field of a quarantined event, as the JSON kept in `history_quarantine.event`.
private struct QuarantinedEvent: Encodable {
    var streamID: String
    var jobID: String
    var queue: String
    var seq: Int
    var kind: String
    var state: String
    var atMs: Int64
    var attempts: Int?
    var type: String?
    var payload: String?
    var priority: Int?
    var maxAttempts: Int?
    var runAtMs: Int64?
    var error: String?
    var result: String?
    var uniqueKey: String?

    init(_ event: JobEvent) {
        streamID = event.streamID
        jobID = event.jobID.rawValue
        queue = event.queue.rawValue
        seq = event.seq
        kind = event.kind.rawValue
        state = event.state.rawValue
        atMs = event.atMs
        attempts = event.attempts
        type = event.type
        payload = event.payload
        priority = event.priority
        maxAttempts = event.maxAttempts
        runAtMs = event.runAtMs
        error = event.error
        result = event.result
        uniqueKey = event.uniqueKey
    }

    enum CodingKeys: String, CodingKey {
        case streamID = "stream_id"
        case jobID = "job_id"
        case queue, seq, kind, state
        case atMs = "at_ms"
        case attempts, type, payload
        case priority
        case maxAttempts = "max_attempts"
        case runAtMs = "run_at_ms"
        case error, result
        case uniqueKey = "unique_key"
    }
}
