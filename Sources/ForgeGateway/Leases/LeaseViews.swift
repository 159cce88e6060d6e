import ForgeCore
import ForgeRedis

/// `{"jobs": [...]}`: the jobs a lease request got, each with what a remote worker needs to run
/// it and report back: the payload as enqueued (byte for byte), the attempt, the job's own
/// timeout, and the token its ack, fail and heartbeat present.
struct LeasedJobsView {
    var jobs: [LeasedJob]

    func written() -> JSONWriter {
        var writer = JSONWriter(capacity: 64 + jobs.reduce(0) { $0 + $1.payload.utf8.count + 320 })
        writer.beginObject()
        writer.array("jobs", jobs) { job, writer in
            writer.beginObject()
            writer.key("id")
            writer.string(job.id.rawValue)
            writer.key("queue")
            writer.string(job.queue.rawValue)
            writer.key("type")
            writer.string(job.type)
            writer.key("payload")
            writer.raw(job.payload)
            writer.key("priority")
            writer.int(job.priority)
            writer.key("attempt")
            writer.int(job.attempts)
            writer.key("max_attempts")
            writer.int(job.maxAttempts)
            writer.key("timeout_ms")
            writer.int(job.timeoutMs)
            writer.key("token")
            writer.string(RemoteLease(job).text)
            writer.key("leased_at")
            writer.string(RFC3339.format(milliseconds: job.leasedAtMs))
            writer.key("deadline")
            writer.string(RFC3339.format(milliseconds: job.deadlineMs))
            writer.endObject()
        }
        writer.endObject()
        return writer
    }
}

/// What one ack, fail or heartbeat did: the answer of the single forms, and one item of the
/// batch forms (where a refused item carries its problem in place).
enum LeaseAnswer {
    case completed(JobID)
    /// Never `.stale`: that is a refusal.
    case failed(JobID, FailOutcome)
    /// Never `.stale`: that is a refusal.
    case heartbeat(JobID, ExtendOutcome)
    case refused(JobID, Problem)

    func written() -> JSONWriter {
        var writer = JSONWriter(capacity: 160)
        write(to: &writer)
        return writer
    }

    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        switch self {
        case .completed(let id):
            member(&writer, "id", id.rawValue)
            member(&writer, "state", JobState.completed.rawValue)
            member(&writer, "retry_at", nil)
        case .failed(let id, let outcome):
            member(&writer, "id", id.rawValue)
            var retryAt: Int64?
            let state: JobState
            switch outcome {
            case .retrying(let atMs):
                state = .retrying
                retryAt = atMs
            case .dead, .stale: state = .dead
            case .canceled: state = .canceled
            }
            member(&writer, "state", state.rawValue)
            member(&writer, "retry_at", retryAt.map { RFC3339.format(milliseconds: $0) })
        case .heartbeat(let id, let outcome):
            member(&writer, "id", id.rawValue)
            var deadline: Int64?
            if case .extended(let ms) = outcome { deadline = ms }
            member(&writer, "state", (deadline == nil ? JobState.canceled : JobState.active).rawValue)
            member(&writer, "deadline", deadline.map { RFC3339.format(milliseconds: $0) })
            writer.key("cancel_requested")
            writer.bool(deadline == nil)
        case .refused(let id, let problem):
            member(&writer, "id", id.rawValue)
            writer.key("error")
            problem.write(to: &writer)
        }
        writer.endObject()
    }

    private func member(_ writer: inout JSONWriter, _ key: String, _ value: String?) {
        writer.key(key)
        writer.string(value)
    }
}

/// `{"results": [...]}` of a batch ack or heartbeat, in request order.
struct LeaseAnswersView {
    var results: [LeaseAnswer]

    func written() -> JSONWriter {
        var writer = JSONWriter(capacity: 64 + results.count * 120)
        writer.beginObject()
        writer.array("results", results) { $0.write(to: &$1) }
        writer.endObject()
        return writer
    }
}
