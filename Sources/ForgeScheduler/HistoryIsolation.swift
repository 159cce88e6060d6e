import ForgeCore
import ForgePostgres

/// A job whose events Postgres refused, kept in `history_quarantine` instead of being retried.
public struct QuarantinedJob: Sendable, Hashable {
    public var jobID: JobID
    public var queue: QueueName
    public var events: Int
    public var reason: String
    public var sqlState: String?
    /// Whether the job still got a history row once its free-form values (payload, result,
    /// errors) were left out.
    public var rowWritten: Bool
}

/// Writes a batch of events to history so that one job's refused value cannot block the rest.
///
/// When Postgres refuses a batch for its data (``PostgresError/refusesData``), the batch is split
/// in halves by job and each half written on its own, down to the single job at fault: about
/// 2·log₂(jobs) extra statements for one bad job. That job's events go to the quarantine table
/// with the reason, then its row is written once more without payload, result and error texts,
/// so the job still shows up in history. Any other failure (Postgres unreachable, a timeout)
/// is thrown unchanged: the batch stays pending and is replayed later, as before.
struct HistoryIsolation: Sendable {
    let history: HistoryStore

    /// Writes `events`; returns the jobs quarantined on the way.
    func record(_ events: [JobEvent]) async throws -> [QuarantinedJob] {
        guard let refusal = try await write(events) else { return [] }
        return try await isolate(Self.byJob(events)[...], refusal)
    }

    /// Writes `events`; returns Postgres' refusal when it refused them for their data, and
    /// throws any other failure.
    private func write(_ events: [JobEvent]) async throws(PostgresError) -> PostgresError? {
        do {
            try await history.record(events)
            return nil
        } catch {
            if error.refusesData { return error }
            throw error
        }
    }

    private func isolate(_ jobs: ArraySlice<[JobEvent]>, _ error: PostgresError) async throws -> [QuarantinedJob] {
        if jobs.count == 1, let events = jobs.first { return [try await quarantine(events, error)] }
        let middle = jobs.startIndex + jobs.count / 2
        var quarantined: [QuarantinedJob] = []
        for half in [jobs[..<middle], jobs[middle...]] {
            if let refusal = try await write(half.flatMap { $0 }) {
                quarantined += try await isolate(half, refusal)
            }
        }
        return quarantined
    }

    private func quarantine(_ events: [JobEvent], _ error: PostgresError) async throws -> QuarantinedJob {
        try await history.quarantine(events, reason: error.message, sqlState: error.sqlState)
        let stripped = events.map { event in
            var event = event
            event.payload = nil
            event.result = nil
            event.error = nil
            event.uniqueKey = nil
            return event
        }
        let rowWritten = try await write(stripped) == nil
        let first = events[0]
        return QuarantinedJob(
            jobID: first.jobID, queue: first.queue, events: events.count, reason: error.message,
            sqlState: error.sqlState, rowWritten: rowWritten
        )
    }

    /// The events grouped by job, jobs in order of first appearance, each job's events in order.
    static func byJob(_ events: [JobEvent]) -> [[JobEvent]] {
        var groups: [[JobEvent]] = []
        var index: [JobID: Int] = [:]
        for event in events {
            if let at = index[event.jobID] {
                groups[at].append(event)
            } else {
                index[event.jobID] = groups.count
                groups.append([event])
            }
        }
        return groups
    }
}
