import ArgumentParser

/// `forge dlq list|retry|delete`.
struct DeadLetters: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq",
        abstract: "Inspect, retry or delete dead letters.",
        subcommands: [List.self, Retry.self, Delete.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Dead jobs of a queue, most recent first.",
            discussion:
                "Prints one page (the gateway also ends a page at its byte budget); when there is another, stderr shows the --cursor that fetches it."
        )
        @OptionGroup var gateway: GatewayOptions
        @Option(help: "Queue name.") var queue = "default"
        @Option(help: "At most this many.") var limit = 100
        @Option(help: "Where the previous page ended (its next_cursor).") var cursor: String?

        func run() async throws {
            try await reportingErrors(json: gateway.json) {
                let response = try await gateway.client().send(
                    "GET",
                    ["v1", "dlq"],
                    query: [("queue", queue), ("limit", String(limit)), ("cursor", cursor)]
                )
                if gateway.json { return Output.json(response.body) }
                let page = response.json
                let jobs = page?["jobs"]?.objects ?? page?.objects ?? []
                Output.table(
                    ["id", "type", "attempts", "finished_at", "last_error"],
                    jobs.map { job in ["id", "type", "attempts", "finished_at", "last_error"].map { Output.cell(job[$0]) } }
                )
                if let next = page?["next_cursor"]?.string {
                    printError("more: forge dlq list --queue \(queue) --cursor \(next)")
                }
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Put a dead job back in line with fresh attempts.")
        @OptionGroup var gateway: GatewayOptions
        @Argument(help: "Job id.") var id: String

        func run() async throws {
            try await reportingErrors(json: gateway.json) {
                let response = try await gateway.client().send("POST", ["v1", "dlq", id, "retry"])
                gateway.json ? Output.json(response.body) : print("\(id)  pending")
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a dead job from Redis (history keeps it).")
        @OptionGroup var gateway: GatewayOptions
        @Argument(help: "Job id.") var id: String

        func run() async throws {
            try await reportingErrors(json: gateway.json) {
                let response = try await gateway.client().send("DELETE", ["v1", "dlq", id])
                // 204 No Content: with --json there is no body to print.
                gateway.json ? Output.json(response.body) : print("\(id)  deleted")
            }
        }
    }
}
