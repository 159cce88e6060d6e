import ArgumentParser
import Foundation

/// `forge enqueue <type>`: POST /v1/jobs.
struct Enqueue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Enqueue one job.")

    @OptionGroup var gateway: GatewayOptions
    @Argument(help: "Job type, which selects the handler (e.g. noop, sleep, http).") var type: String
    @Option(help: "Queue name.") var queue: String?
    @Option(help: "Payload as JSON, e.g. '{\"ms\": 100}'.") var payload: String?
    @Option(help: "Priority 0-9, higher first.") var priority: Int?
    @Option(help: "Run no earlier than this many milliseconds from now.") var delayMs: Int?
    @Option(help: "Run no earlier than this RFC 3339 time.") var runAt: String?
    @Option(help: "Attempts before the job is dead (1-1000).") var maxAttempts: Int?
    @Option(help: "Execution deadline per attempt in milliseconds.") var timeoutMs: Int?
    @Option(help: "Deduplication key: a second enqueue inside the window returns the first job.") var uniqueKey: String?

    func run() async throws {
        try await reportingErrors {
            var body: [String: Any] = ["type": type]
            if let queue { body["queue"] = queue }
            if let payload {
                guard let value = try? JSONSerialization.jsonObject(with: Data(payload.utf8), options: [.fragmentsAllowed]) else {
                    throw CLIError("--payload is not valid JSON")
                }
                body["payload"] = value
            }
            if let priority { body["priority"] = priority }
            if let delayMs { body["delay_ms"] = delayMs }
            if let runAt { body["run_at"] = runAt }
            if let maxAttempts { body["max_attempts"] = maxAttempts }
            if let timeoutMs { body["timeout_ms"] = timeoutMs }
            if let uniqueKey { body["unique_key"] = uniqueKey }
            let response = try await gateway.client.send("POST", "/v1/jobs", body: body)
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
        try await reportingErrors {
            let response = try await gateway.client.send("GET", "/v1/jobs/\(id)")
            if gateway.json { return Output.json(response.body) }
            let job = response.object
            let fields = ["id", "queue", "type", "state", "priority", "attempts", "max_attempts", "created_at", "run_at",
                          "started_at", "finished_at", "last_error", "payload", "result"]
            Output.table(["field", "value"], fields.map { [$0, Output.cell(job[$0])] })
        }
    }
}

/// `forge cancel <id>`: DELETE /v1/jobs/{id}.
struct Cancel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Cancel a job that has not finished.")

    @OptionGroup var gateway: GatewayOptions
    @Argument(help: "Job id.") var id: String

    func run() async throws {
        try await reportingErrors {
            let response = try await gateway.client.send("DELETE", "/v1/jobs/\(id)")
            if gateway.json { return Output.json(response.body) }
            let job = response.object
            let requested = (job["cancel_requested"] as? Bool) == true ? "  (running: stops at its next heartbeat)" : ""
            print("\(id)  \(Output.cell(job["state"]))\(requested)")
        }
    }
}
