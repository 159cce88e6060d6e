import ArgumentParser

/// `forge schedules list|show|put|delete`.
struct Schedules: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage cron schedules.",
        subcommands: [List.self, Show.self, Put.self, Delete.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every schedule.")
        @OptionGroup var gateway: GatewayOptions

        func run() async throws {
            try await reportingErrors(json: gateway.json) {
                let response = try await gateway.client().send("GET", ["v1", "schedules"])
                if gateway.json { return Output.json(response.body) }
                let list = response.json
                let schedules = list?["schedules"]?.objects ?? list?.objects ?? []
                Output.table(
                    ["name", "cron", "time_zone", "type", "queue", "paused"],
                    schedules.map { schedule in
                        let job = schedule["job"] ?? .object([])
                        return [
                            Output.cell(schedule["name"]), Output.cell(schedule["cron"]), Output.cell(schedule["time_zone"]),
                            Output.cell(job["type"]), Output.cell(job["queue"]), Output.cell(schedule["paused"]),
                        ]
                    }
                )
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One schedule: cron, time zone, job, last and next firing.")
        @OptionGroup var gateway: GatewayOptions
        @Argument(help: "Schedule name.") var name: String

        func run() async throws {
            try await reportingErrors(json: gateway.json) {
                let response = try await gateway.client().send("GET", ["v1", "schedules", name])
                if gateway.json { return Output.json(response.body) }
                let schedule = response.object
                var rows = schedule.members.filter { $0.key != "job" }.sorted { $0.key < $1.key }.map { [$0.key, Output.cell($0.value)] }
                let job = schedule["job"]?.members ?? []
                rows += job.sorted { $0.key < $1.key }.map { ["job.\($0.key)", Output.cell($0.value)] }
                Output.table(["field", "value"], rows)
            }
        }
    }

    struct Put: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create or replace a schedule.")
        @OptionGroup var gateway: GatewayOptions
        @Argument(help: "Schedule name.") var name: String
        @Option(help: "Cron expression: 5 fields, or 6 with leading seconds.") var cron: String
        @Option(help: "IANA time zone.") var timeZone = "UTC"
        @Option(help: "Job type to enqueue at each tick.") var type: String
        @Option(help: "Queue of the job.") var queue: String?
        @Option(help: "Payload: JSON text, @file for a file's content, or - for standard input.") var payload: String?
        @Option(help: "Priority 0-9 of each job.") var priority: Int?
        @Option(help: "Attempts before each job is dead (1-1000).") var maxAttempts: Int?
        @Option(help: "Execution deadline per attempt in milliseconds.") var timeoutMs: Int64?
        @Flag(help: "Create it paused.") var paused = false

        func run() async throws {
            try await reportingErrors(json: gateway.json) {
                var job = JSONBody()
                job.set("type", type)
                job.set("queue", queue)
                job.setRaw("payload", try PayloadArgument.read(payload))
                job.set("priority", priority)
                job.set("max_attempts", maxAttempts)
                job.set("timeout_ms", timeoutMs)
                var body = JSONBody()
                body.set("cron", cron)
                body.set("time_zone", timeZone)
                body.setRaw("job", job.text)
                body.set("paused", paused)
                let response = try await gateway.client().send("PUT", ["v1", "schedules", name], body: body.bytes)
                gateway.json ? Output.json(response.body) : print("\(name)  \(response.status == 201 ? "created" : "replaced")")
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a schedule.")
        @OptionGroup var gateway: GatewayOptions
        @Argument(help: "Schedule name.") var name: String

        func run() async throws {
            try await reportingErrors(json: gateway.json) {
                let response = try await gateway.client().send("DELETE", ["v1", "schedules", name])
                // 204 No Content: with --json there is no body to print.
                gateway.json ? Output.json(response.body) : print("\(name)  deleted")
            }
        }
    }
}
