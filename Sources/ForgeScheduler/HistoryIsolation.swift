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
/// When Postgres refuses a batch for its data (``PostgresError/refusesData``), or, once the
/// archiver has seen a queue's writes fail the same way a few times (``ArchiveTroubles``), for
/// any reason but an outage, the batch is split in halves by job and each half written on its
/// own, down to the single job at fault: about 2·log₂(jobs) extra statements for one bad job.
/// That job's events go to the quarantine table with the reason, then its row is written once
/// more without payload, result and error texts, so the job still shows up in history. Any other
/// failure (Postgres unreachable) is thrown unchanged: the batch stays pending and is replayed
/// later.
struct HistoryIsolation: Sendable {
    let history: HistoryStore

    /// Writes `events`; returns the jobs quarantined on the way.
    ///
    /// - Parameter isolating: whether any failure but an outage counts as the data's fault (the
    ///   archiver's bounded retries of a queue ran out); otherwise only a refusal of the data does.
    func record(_ events: [JobEvent], isolating: Bool = false) async throws -> [QuarantinedJob] {
        let refuses: @Sendable (PostgresError) -> Bool
        if isolating {
            refuses = { error in !error.isOutage }
        } else {
            refuses = { error in error.refusesData }
        }
        guard let refusal = try await write(events, refuses) else { return [] }
        return try await isolate(Self.byJob(events)[...], refusal, refuses)
    }

    /// Writes `events`; returns Postgres' failure when it counts as the data's fault, and throws
    /// any other.
    private func write(_ events: [JobEvent], _ refuses: (PostgresError) -> Bool) async throws(PostgresError) -> PostgresError? {
        do {
            try await history.record(events)
            return nil
        } catch {
            if refuses(error) { return error }
            throw error
        }
    }

    private func isolate(
        _ jobs: ArraySlice<[JobEvent]>,
        _ error: PostgresError,
        _ refuses: @Sendable (PostgresError) -> Bool
    ) async throws -> [QuarantinedJob] {
        if jobs.count == 1, let events = jobs.first { return [try await quarantine(events, error, refuses)] }
        let middle = jobs.startIndex + jobs.count / 2
        var quarantined: [QuarantinedJob] = []
        for half in [jobs[..<middle], jobs[middle...]] {
            if let refusal = try await write(half.flatMap { $0 }, refuses) {
                quarantined += try await isolate(half, refusal, refuses)
            }
        }
        return quarantined
    }

    private func quarantine(
        _ events: [JobEvent],
        _ error: PostgresError,
        _ refuses: (PostgresError) -> Bool
    ) async throws -> QuarantinedJob {
        try await history.quarantine(events, reason: error.message, sqlState: error.sqlState)
        let stripped = events.map { event in
            var event = event
            event.payload = nil
            event.result = nil
            event.error = nil
            event.uniqueKey = nil
            return event
        }
        let rowWritten = try await write(stripped, refuses) == nil
        let first = events[0]
        return QuarantinedJob(
            jobID: first.jobID,
            queue: first.queue,
            events: events.count,
            reason: error.message,
            sqlState: error.sqlState,
            rowWritten: rowWritten
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
