import ArgumentParser

/// `forge enqueue <type>`: POST /v1/jobs with every option a job request has.
struct Enqueue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Enqueue one job.")

    @OptionGroup var gateway: GatewayOptions
    @Argument(help: "Job type, which selects the handler (e.g. noop, sleep, http).") var type: String
    @Option(help: "Queue name.") var queue: String?
    @Option(help: "Payload: JSON text, @file for a file's content, or - for standard input (sent byte for byte).")
    var payload: String?
    @Option(help: "Priority 0-9, higher first.") var priority: Int?
    @Option(help: "Run no earlier than this many milliseconds from now.") var delayMs: Int64?
    @Option(help: "Run no earlier than this RFC 3339 time.") var runAt: String?
    @Option(help: "Attempts before the job is dead (1-1000).") var maxAttempts: Int?
    @Option(help: "Execution deadline per attempt in milliseconds.") var timeoutMs: Int64?
    @Option(help: "Retry backoff base in milliseconds (with --backoff-cap-ms).") var backoffBaseMs: Int64?
    @Option(help: "Retry backoff cap in milliseconds (with --backoff-base-ms).") var backoffCapMs: Int64?
    @Option(help: "Deduplication key: a second enqueue inside the window returns the first job.") var uniqueKey: String?
    @Option(help: "How long the unique key holds, in milliseconds.") var uniqueForMs: Int64?
    @Option(help: "Idempotency-Key header: repeating the same request with it returns the first answer, never a second job.") var idempotencyKey:
        String?

    func validate() throws {
        if delayMs != nil && runAt != nil { throw ValidationError("--delay-ms and --run-at: give one of them, not both") }
        if (backoffBaseMs == nil) != (backoffCapMs == nil) {
            throw ValidationError("--backoff-base-ms and --backoff-cap-ms: give both or neither")
        }
    }

    func run() async throws {
        try await reportingErrors(json: gateway.json) {
            var body = JSONBody()
            body.set("type", type)
            body.set("queue", queue)
            body.setRaw("payload", try PayloadArgument.read(payload))
            body.set("priority", priority)
            body.set("delay_ms", delayMs)
            body.set("run_at", runAt)
            body.set("max_attempts", maxAttempts)
            body.set("timeout_ms", timeoutMs)
            if let backoffBaseMs, let backoffCapMs {
                var backoff = JSONBody()
                backoff.set("base_ms", backoffBaseMs)
                backoff.set("cap_ms", backoffCapMs)
                body.setRaw("backoff", backoff.text)
            }
            body.set("unique_key", uniqueKey)
            body.set("unique_for_ms", uniqueForMs)
            let headers = idempotencyKey.map { ["Idempotency-Key": $0] } ?? [:]
            let response = try await gateway.client().send("POST", ["v1", "jobs"], body: body.bytes, headers: headers)
            if gateway.json { return Output.json(response.body) }
            let job = response.object
            let note = response.status == 200 ? "  (existing job: unique key matched)" : ""
            print("\(Output.cell(job["id"]))  \(Output.cell(job["state"]))\(note)")
        }
    }
}

/// `forge status <id>`: GET /v1/jobs/{id}.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show one job: state, attempts, timestamps, last error, result.")

    @OptionGroup var gateway: GatewayOptions
    @Argument(help: "Job id.") var id: String

    func run() async throws {
        try await reportingErrors(json: gateway.json) {
            let response = try await gateway.client().send("GET", ["v1", "jobs", id])
            if gateway.json { return Output.json(response.body) }
            let job = response.object
            let fields = [
                "id", "queue", "type", "state", "priority", "attempts", "max_attempts", "created_at", "run_at",
                "started_at", "finished_at", "last_error", "payload", "result",
            ]
            Output.table(["field", "value"], fields.map { [$0, Output.cell(job[$0])] })
        }
    }
}

/// `forge cancel <id>`: POST /v1/jobs/{id}/cancel.
struct Cancel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Cancel a job that has not finished.")

    @OptionGroup var gateway: GatewayOptions
    @Argument(help: "Job id.") var id: String

    func run() async throws {
        try await reportingErrors(json: gateway.json) {
            let response = try await gateway.client().send("POST", ["v1", "jobs", id, "cancel"])
            if gateway.json { return Output.json(response.body) }
            let job = response.object
            let requested = job["cancel_requested"]?.bool == true ? "  (running: stops at its next heartbeat)" : ""
            print("\(id)  \(Output.cell(job["state"]))\(requested)")
        }
    }
}
