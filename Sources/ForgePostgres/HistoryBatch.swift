import ForgeCore
import FoundationEssentials

/// A batch of events coalesced by job, shaped as the column arrays the archiver's two statements
/// read with `unnest`.
///
/// Coalescing happens here, in Swift, so a job enqueued, started and completed inside one batch
/// costs one `jobs` row write. Per job the record takes the highest `seq`, that event's state, and
/// for every other column the value of the latest event (by `seq`) that set it.
package struct HistoryBatch {
    /// One `jobs` row as the upsert reads it; `nil` means "no event in this batch set it".
    struct JobRow {
        var id: String
        var queue: String
        var type: String?
        var state: String
        var priority: Int?
        /// JSON text; the statement casts it to `json`, which keeps it as it is.
        var payload: String?
        var attempts: Int?
        var maxAttempts: Int?
        var createdMs: Int64?
        var runAtMs: Int64?
        var startedMs: Int64?
        var finishedMs: Int64?
        /// The newest ``HistoryBatch/keptErrors`` failures of this batch, oldest first.
        var errors: [ErrorEntry]
        /// Failures of this batch beyond those.
        var errorsOmitted = 0
        var lastError: String?
        /// JSON text; the statement casts it to `json`, which keeps it as it is.
        var result: String?
        var uniqueKey: String?
        var timeoutMs: Int64?
        var backoffBaseMs: Int64?
        var backoffCapMs: Int64?
        var seq: Int
        /// Whether the batch may create the row when history has none: not when all it knows of
        /// the job is that it left Redis (`removed`), which history, having let the job go
        /// already (retention), has no use for.
        var creates = false
    }

    /// Failed attempts a `jobs` row keeps; older ones are counted in `errors_omitted`.
    static let keptErrors = 20

    /// One entry of `jobs.errors`; `seq` lets a replay skip entries the row already holds.
    struct ErrorEntry: Codable {
        var seq: Int
        var attempt: Int?
        /// Unix milliseconds.
        var at: Int64
        var error: String
    }

    /// One `job_events` row.
    struct EventRow {
        var jobId: String
        var seq: Int
        var queue: String
        var kind: String
        var state: String
        var atMs: Int64
        var attempt: Int?
        var error: String?
    }

    /// One row per job, in order of first appearance; `rowIndex` finds a job's row.
    var jobs: [JobRow] = []
    var events: [EventRow] = []
    private var rowIndex: [String: Int] = [:]

    /// Folds `events` in the order given, which is each job's `seq` order when they come from a
    /// stream (a job's events all go to its queue's stream, appended by one script call after
    /// another). Anything else, e.g. hand-built batches, is sorted by `(job, seq)` first; sorting
    /// every batch was a tenth of the archiver's time.
    package init(_ events: [JobEvent]) {
        if !fold(events) {
            self = HistoryBatch(sorted: events.sorted { ($0.jobID, $0.seq) < ($1.jobID, $1.seq) })
        }
    }

    private init(sorted events: [JobEvent]) {
        _ = fold(events)
    }

    /// Applies the events; returns false (and leaves the batch half-built) as soon as a job's
    /// event arrives after a later one of the same job.
    private mutating func fold(_ events: [JobEvent]) -> Bool {
        jobs.reserveCapacity(events.count / 2)
        rowIndex.reserveCapacity(events.count / 2)
        for event in events {
            let id = event.jobID.rawValue
            let index: Int
            if let existing = rowIndex[id] {
                // A stream re-delivery can repeat an event inside one batch; apply each seq once.
                if event.seq == jobs[existing].seq { continue }
                if event.seq < jobs[existing].seq { return false }
                index = existing
            } else {
                index = jobs.count
                rowIndex[id] = index
                jobs.append(JobRow(id: id, queue: event.queue.rawValue, state: event.state.rawValue, errors: [], seq: event.seq))
            }
            Self.apply(event, to: &jobs[index])
            if event.kind.isAudited {
                self.events.append(
                    EventRow(
                        jobId: id,
                        seq: event.seq,
                        queue: event.queue.rawValue,
                        kind: event.kind.rawValue,
                        state: event.state.rawValue,
                        atMs: event.atMs,
                        attempt: event.attempts,
                        error: event.error.map(Self.withoutNUL)
                    )
                )
            }
        }
        for index in jobs.indices where !Self.isTerminal(jobs[index].state) {
            // Only a finished job has a finish time; a revived job is running again.
            jobs[index].finishedMs = nil
        }
        return true
    }

    /// Folds one event (applied in `seq` order) into its job's record.
    private static func apply(_ event: JobEvent, to row: inout JobRow) {
        row.seq = event.seq
        row.state = event.state.rawValue
        row.queue = event.queue.rawValue
        row.type = event.type ?? row.type
        row.payload = event.payload.map(jsonText) ?? row.payload
        row.priority = event.priority ?? row.priority
        row.attempts = event.attempts ?? row.attempts
        row.maxAttempts = event.maxAttempts ?? row.maxAttempts
        row.runAtMs = event.runAtMs ?? row.runAtMs
        let error = event.error.map(withoutNUL)
        row.lastError = error ?? row.lastError
        row.result = event.result.map(jsonText) ?? row.result
        row.uniqueKey = event.uniqueKey ?? row.uniqueKey
        row.timeoutMs = event.timeoutMs ?? row.timeoutMs
        row.backoffBaseMs = event.backoff?.baseMs ?? row.backoffBaseMs
        row.backoffCapMs = event.backoff?.capMs ?? row.backoffCapMs
        // A job whose enqueue event was lost still needs a creation time to be searchable; the
        // upsert keeps an existing created_at, so this stand-in never overwrites the real one.
        row.createdMs = row.createdMs ?? event.atMs
        switch event.kind {
        case .enqueued: row.createdMs = event.atMs
        case .started: row.startedMs = event.atMs
        case .completed, .died, .canceled: row.finishedMs = event.atMs
        case .revived: row.finishedMs = nil
        case .retried, .promoted, .leaseExpired, .removed, .released: break
        }
        if let error {
            row.errors.append(ErrorEntry(seq: event.seq, attempt: event.attempts, at: event.atMs, error: error))
            if row.errors.count > keptErrors {
                row.errors.removeFirst()
                row.errorsOmitted += 1
            }
        }
        if event.kind != .removed { row.creates = true }
    }

    private static func isTerminal(_ state: String) -> Bool {
        JobState(rawValue: state)?.isTerminal ?? false
    }

    /// `text` if it is JSON without U+0000, else `text` itself as a JSON string (the original
    /// stays readable, byte for byte, as that string's value): one bad payload or result must not
    /// make the whole batch fail its `::json` cast, and U+0000 is kept out for anything that
    /// reads the column as `jsonb`.
    static func jsonText(_ text: String) -> String {
        // The archiver sees every payload: skip the parser for the commonest literals.
        if text == "null" || text == "{}" || text == "[]" || text == "true" || text == "false" { return text }
        if JSONText.isStorable(text) { return text }
        // Escaped, `\u0000` is a backslash and "u0000", which jsonb accepts; a raw NUL (only in
        // text that was not JSON anyway) cannot be kept and becomes U+FFFD.
        let quoted = (try? JSONEncoder().encode(withoutNUL(text))).map { String(decoding: $0, as: UTF8.self) }
        return quoted ?? "null"
    }

    /// `text` with every NUL replaced by U+FFFD: Postgres text and `jsonb` cannot hold NUL.
    static func withoutNUL(_ text: String) -> String {
        guard text.utf8.contains(0) else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.map { $0 == "\u{0}" ? "\u{FFFD}" : $0 }))
    }

    /// The two statements' parameters: one array literal per column, in the order of
    /// ``HistoryStore/upsertJobs`` and ``HistoryStore/insertEvents``.
    package func encoded() throws(PostgresError) -> (jobs: [String?], events: [String?]) {
        var columns = [PostgresArray](repeating: PostgresArray(), count: 22)
        let errorEncoder = JSONEncoder()
        for row in jobs {
            columns[0].append(row.id)
            columns[1].append(row.queue)
            columns[2].append(row.type)
            columns[3].append(row.state)
            columns[4].append(row.priority)
            columns[5].append(row.payload)
            columns[6].append(row.attempts)
            columns[7].append(row.maxAttempts)
            columns[8].append(row.createdMs)
            columns[9].append(row.runAtMs)
            columns[10].append(row.startedMs)
            columns[11].append(row.finishedMs)
            do {
                columns[12].append(row.errors.isEmpty ? "[]" : String(decoding: try errorEncoder.encode(row.errors), as: UTF8.self))
            } catch {
                throw PostgresError(code: .unexpectedResult, message: "cannot encode history errors: \(error)")
            }
            columns[13].append(row.lastError)
            columns[14].append(row.result)
            columns[15].append(row.uniqueKey)
            columns[16].append(row.seq)
            columns[17].append(row.errorsOmitted)
            columns[18].append(row.creates)
            columns[19].append(row.timeoutMs)
            columns[20].append(row.backoffBaseMs)
            columns[21].append(row.backoffCapMs)
        }
        var eventColumns = [PostgresArray](repeating: PostgresArray(), count: 8)
        for event in events {
            eventColumns[0].append(event.jobId)
            eventColumns[1].append(event.seq)
            eventColumns[2].append(event.queue)
            eventColumns[3].append(event.kind)
            eventColumns[4].append(event.state)
            eventColumns[5].append(event.atMs)
            eventColumns[6].append(event.attempt)
            eventColumns[7].append(event.error)
        }
        return (columns.map(\.literal), eventColumns.map(\.literal))
    }
}
