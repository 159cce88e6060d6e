import ForgeCore

/// A job as the API shows it: `{attempts, created_at, errors, errors_omitted, finished_at, id, last_error,
/// max_attempts, payload, priority, queue, result, run_at, started_at, state, timeout_ms, type,
/// unique_key}`; times are RFC 3339 UTC with milliseconds, absent values `null`. The payload and
/// result are the stored JSON text, byte for byte as they were sent.
struct JobView {
    var record: JobRecord

    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("attempts")
        writer.int(record.attempts)
        writer.key("created_at")
        writer.string(RFC3339.format(milliseconds: record.createdAtMs))
        writer.key("errors")
        writer.beginArray()
        for error in record.errors {
            writer.beginObject()
            writer.key("at")
            writer.string(RFC3339.format(milliseconds: error.atMs))
            writer.key("attempt")
            writer.int(error.attempt)
            writer.key("message")
            writer.string(error.message)
            writer.endObject()
        }
        writer.endArray()
        writer.key("errors_omitted")
        writer.int(record.errorsOmitted)
        writer.key("finished_at")
        writer.string(record.finishedAtMs.map(RFC3339.format(milliseconds:)))
        writer.key("id")
        writer.string(record.id.rawValue)
        writer.key("last_error")
        writer.string(record.lastError.flatMap { $0.isEmpty ? nil : $0 })
        writer.key("max_attempts")
        writer.int(record.maxAttempts)
        writer.key("payload")
        writer.stored(record.payload)
        writer.key("priority")
        writer.int(record.priority)
        writer.key("queue")
        writer.string(record.queue.rawValue)
        writer.key("result")
        writer.stored(record.result)
        writer.key("run_at")
        writer.string(record.runAtMs.map(RFC3339.format(milliseconds:)))
        writer.key("started_at")
        writer.string(record.startedAtMs.map(RFC3339.format(milliseconds:)))
        writer.key("state")
        writer.string(record.state.rawValue)
        writer.key("timeout_ms")
        writer.int(record.timeoutMs)
        writer.key("type")
        writer.string(record.type)
        writer.key("unique_key")
        writer.string(record.uniqueKey)
        writer.endObject()
    }

    func written() -> JSONWriter {
        var writer = JSONWriter(capacity: 512 + record.payload.utf8.count)
        write(to: &writer)
        return writer
    }
}

/// `{id, state}`: what enqueue, cancel and DLQ retry answer.
package struct JobStateView: Encodable {
    var id: String
    /// `nil` when a unique key matched a job whose live data already expired from Redis.
    var state: String?
    /// Only on a 202 cancel of an active job.
    var cancelRequested: Bool?

    enum CodingKeys: String, CodingKey {
        case id, state
        case cancelRequested = "cancel_requested"
    }

    package init(id: String, state: String?, cancelRequested: Bool? = nil) {
        self.id = id
        self.state = state
        self.cancelRequested = cancelRequested
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encodeOrNull(state, forKey: .state)
        try c.encodeIfPresent(cancelRequested, forKey: .cancelRequested)
    }

    package func write(to writer: inout JSONWriter) {
        writer.beginObject()
        if let cancelRequested {
            writer.key("cancel_requested")
            writer.bool(cancelRequested)
        }
        writer.key("id")
        writer.string(id)
        writer.key("state")
        writer.string(state)
        writer.endObject()
    }
}
