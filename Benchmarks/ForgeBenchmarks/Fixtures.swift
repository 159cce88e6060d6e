import ForgeCore
import ForgeGateway
import ForgeObservability
import ForgeRedis
import ForgeWorker

/// The gateway's part of `POST /v1/jobs` between the body's bytes and the reply's, as
/// `JobRoutes.enqueue` does it: parse, validate, build the script call, write the answer.
struct EnqueueFixture {
    let body = Array(#"{"queue":"emails","type":"send_welcome","payload":{"user_id":42,"locale":"en-GB"},"max_attempts":5}"#.utf8)
    let keys = KeySpace().queue(try! QueueName("emails"))
    let limits = JobLimits()

    func run() throws -> (ScriptCall, [UInt8]) {
        let tape = try JSONTape(body)
        let job = try JobRequest.newJob(from: try ObjectReader(tape: tape, index: 0, path: ""), limits: limits)
        let call = EnqueueScript.call(keys, jobs: [job])
        var writer = JSONWriter(capacity: 64)
        JobStateView(id: job.id.rawValue, state: JobState.pending.rawValue).write(to: &writer)
        return (call, writer.bytes)
    }
}

/// The request body as a Codable struct, for the reference benchmark.
struct ReferenceRequest: Decodable {
    struct Payload: Decodable {
        var user_id: Int
        var locale: String
    }
    var queue: String
    var type: String
    var payload: Payload
    var max_attempts: Int
}

enum LeaseFixture {
    /// What `lease_jobs` returns: `token, leased_at, deadline`, then per job `id, attempts, spec,
    /// priority, max_attempts, created_at, run_at`.
    static func reply(jobs: Int) -> RedisValue {
        var flat: [RedisValue] = [.string("1734"), .integer(1_734_000_000_100), .integer(1_734_000_030_100)]
        for _ in 0..<jobs {
            let spec = "send_welcome\u{1F}30000\u{1F}1000\u{1F}3600000\u{1F}\u{1F}{\"user_id\":42,\"locale\":\"en-GB\"}"
            flat += [
                .string(JobID.generate().rawValue), .integer(1), .string(spec), .integer(0), .integer(5),
                .integer(1_734_000_000_000), .integer(1_734_000_000_000),
            ]
        }
        return .array(flat)
    }
}

/// The worker's books for one job, as its loops keep them: the fetcher admits a leased job, the
/// dispatcher takes its assignment, the runner reports the handler's end, the flusher takes the
/// completion and records Redis' answer.
struct BooksFixture {
    let state: WorkerState
    var assignments: AsyncStream<Assignment>.Iterator
    var jobs: [LeasedJob]
    var next = 0

    init() async throws {
        let metrics = WorkerMetrics(metrics: ForgeMetrics(), handlers: HandlerRegistry(), worker: "bench")
        state = WorkerState(capacity: 16, metrics: metrics)
        assignments = state.assignments.makeAsyncIterator()
        let reply = LeaseFixture.reply(jobs: 1_000)
        jobs = try LeaseScript.parseJobs(reply, queue: try QueueName("emails"))
    }

    mutating func cycle() async {
        let job = jobs[next % jobs.count]
        next += 1
        let reserved = state.reserveForFetch(limit: 1) ?? 0
        _ = state.admit([job], reserved: reserved, sentAt: .now)
        _ = await assignments.next()
        let lease = LeaseRef(job)
        state.handlerEnded(lease, completion: Completion(id: job.id, token: job.token))
        for (_, completions) in state.takePending() {
            _ = state.acked(completions, flags: [Bool](repeating: true, count: completions.count))
        }
        state.flushEnded(retry: [])
    }
}

enum ArchiveFixture {
    /// One stream entry as the scripts write it: field `e`, events separated by `\u{1E}`, each
    /// `id, seq, kind, state, at, attempts, run_at, error, result, priority, max_attempts[, spec]`
    /// separated by `\u{1F}`.
    static func entry() -> RedisValue {
        let id = JobID.generate().rawValue
        let spec = "send_welcome\u{1F}30000\u{1F}1000\u{1F}3600000\u{1F}\u{1F}{\"user_id\":42,\"locale\":\"en-GB\"}"
        let records = [
            [id, "1", "enqueued", "pending", "1734000000000", "0", "1734000000000", "", "", "0", "5", spec],
            [id, "2", "started", "active", "1734000000100", "1", "", "", "", "", ""],
            [id, "3", "completed", "completed", "1734000000150", "1", "", "", "{\"sent\":true}", "", ""],
        ]
        let text = records.map { $0.joined(separator: "\u{1F}") }.joined(separator: "\u{1E}")
        return .array([.string("e"), .string(text)])
    }
}
