import ArgumentParser

/// `forge jobs`: GET /v1/jobs, the history search, with every filter the API has.
struct Jobs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Search the job history (Postgres), newest first.",
        discussion: "Prints one page; when there is another, stderr shows the --cursor that fetches it."
    )

    @OptionGroup var gateway: GatewayOptions
    @Option(help: "Only this queue.") var queue: String?
    @Option(help: "Only this state: scheduled, pending, active, retrying, completed, dead or canceled.") var state: String?
    @Option(help: "Only this job type.") var type: String?
    @Option(help: "Only jobs created at or after this RFC 3339 time.") var createdAfter: String?
    @Option(help: "Only jobs created before this RFC 3339 time.") var createdBefore: String?
    @Option(help: "Jobs per page (1-1000; the gateway's default when absent).") var limit: Int?
    @Option(help: "Where the previous page ended (its next_cursor).") var cursor: String?

    func run() async throws {
        try await reportingErrors(json: gateway.json) {
            let response = try await gateway.client().send(
                "GET",
                ["v1", "jobs"],
                query: [
                    ("queue", queue), ("state", state), ("type", type), ("created_after", createdAfter),
                    ("created_before", createdBefore), ("limit", limit.map(String.init)), ("cursor", cursor),
                ]
            )
            if gateway.json { return Output.json(response.body) }
            let columns = ["id", "queue", "type", "state", "attempts", "created_at", "finished_at", "last_error"]
            let page = response.object
            let jobs = page["jobs"]?.objects ?? []
            Output.table(columns, jobs.map { job in columns.map { Output.cell(job[$0]) } })
            if let next = page["next_cursor"]?.string {
                printError("more: forge jobs … --cursor \(next)")
            }
        }
    }
}
