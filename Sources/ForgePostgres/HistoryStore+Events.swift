import ForgeCore

/// One audited transition of a job, as history keeps it (`job_events`): failures, retries, lease
/// expirations, releases, cancels, dead-letter moves and revivals (see ``JobEvent/Kind/isAudited``).
public struct HistoryEvent: Sendable, Hashable {
    public var jobID: JobID
    /// The job's per-job sequence number of the transition (gaps are transitions not audited).
    public var seq: Int
    public var queue: QueueName
    public var kind: JobEvent.Kind
    /// The state the transition left the job in.
    public var state: JobState
    /// Unix ms.
    public var atMs: Int64
    /// The attempt it happened in, where the transition has one.
    public var attempt: Int?
    public var error: String?

    public init(
        jobID: JobID,
        seq: Int,
        queue: QueueName,
        kind: JobEvent.Kind,
        state: JobState,
        atMs: Int64,
        attempt: Int? = nil,
        error: String? = nil
    ) {
        self.jobID = jobID
        self.seq = seq
        self.queue = queue
        self.kind = kind
        self.state = state
        self.atMs = atMs
        self.attempt = attempt
        self.error = error
    }
}

extension HistoryStore {
    /// The audited events of job `id` in `seq` order, the first `limit` of them (the primary key
    /// serves the read); empty when history holds none.
    public func events(of id: JobID, limit: Int = 200) async throws(PostgresError) -> [HistoryEvent] {
        let rows = try await client.query(
            """
            SELECT seq, queue, kind, state, (extract(epoch FROM at) * 1000)::bigint AS at_ms, attempt, error
            FROM job_events WHERE job_id = $1 ORDER BY seq LIMIT $2
            """,
            [id.rawValue, String(max(0, limit))]
        )
        return try rows.all.map { row throws(PostgresError) in try Self.event(row, job: id) }
    }

    private static func event(_ row: PostgresRows.Row, job id: JobID) throws(PostgresError) -> HistoryEvent {
        let queueText = try row.string("queue")
        let kindText = try row.string("kind")
        let stateText = try row.string("state")
        guard let queue = try? QueueName(queueText), let kind = JobEvent.Kind(rawValue: kindText),
            let state = JobState(rawValue: stateText)
        else {
            throw .unexpectedResult("job_events row of \(id) has queue \(queueText), kind \(kindText) and state \(stateText)")
        }
        return HistoryEvent(
            jobID: id,
            seq: try row.int("seq"),
            queue: queue,
            kind: kind,
            state: state,
            atMs: try row.int64("at_ms") ?? 0,
            attempt: row["attempt"].flatMap { Int($0) },
            error: row["error"]
        )
    }
}
