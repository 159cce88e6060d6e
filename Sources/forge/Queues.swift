import ArgumentParser

/// `forge queues [list|show|pause|resume|delete]`.
struct Queues: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List queues with their depth by state; pause, resume or delete one.",
        subcommands: [List.self, Show.self, Pause.self, Resume.self, Delete.self],
        defaultSubcommand: List.self
    )

    static let header = ["queue", "paused", "scheduled", "pending", "active", "retrying", "dead", "completed"]

    static func row(_ queue: JSONValue) -> [String] {
        let counts = queue["counts"] ?? .object([])
        return [Output.cell(queue["name"]), Output.cell(queue["paused"])]
            + ["scheduled", "pending", "active", "retrying", "dead", "completed"].map { Output.cell(counts[$0]) }
    }

    /// Sends one change to a queue; prints the server's body with `--json`, else `done`.
    static func change(_ gateway: GatewayOptions, _ method: String, _ path: [String], done: String) async throws {
        try await reportingErrors(json: gateway.json) {
            let response = try await gateway.client().send(method, path)
            // DELETE answers 204 No Content: with --json there is no body to print.
            gateway.json ? Output.json(response.body) : print(done)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every queue with its counts.")
        @OptionGroup var gateway: GatewayOptions

        func run() async throws {
            try await reportingErrors(json: gateway.json) {
                let response = try await gateway.client().send("GET", ["v1", "queues"])
                if gateway.json { return Output.json(response.body) }
                let list = response.json
                let queues = list?.objects ?? list?["queues"]?.objects ?? []
                Output.table(Queues.header, queues.map(Queues.row))
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One queue with its counts.")
        @OptionGroup var gateway: GatewayOptions
        @Argument(help: "Queue name.") var name: String

        func run() async throws {
            try await reportingErrors(json: gateway.json) {
                let response = try await gateway.client().send("GET", ["v1", "queues", name])
                if gateway.json { return Output.json(response.body) }
                Output.table(Queues.header, [Queues.row(response.object)])
            }
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop leasing from a queue (enqueue goes on).")
        @OptionGroup var gateway: GatewayOptions
        @Argument(help: "Queue name.") var name: String

        func run() async throws {
            try await Queues.change(gateway, "POST", ["v1", "queues", name, "pause"], done: "\(name)  paused")
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start leasing from a paused queue again.")
        @OptionGroup var gateway: GatewayOptions
        @Argument(help: "Queue name.") var name: String

        func run() async throws {
            try await Queues.change(gateway, "POST", ["v1", "queues", name, "resume"], done: "\(name)  resumed")
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete an empty queue (no jobs waiting, running or dead, history archived)."
        )
        @OptionGroup var gateway: GatewayOptions
        @Argument(help: "Queue name.") var name: String

        func run() async throws {
            try await Queues.change(gateway, "DELETE", ["v1", "queues", name], done: "\(name)  deleted")
        }
    }
}
