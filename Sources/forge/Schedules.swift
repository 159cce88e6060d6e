import ArgumentParser
import Foundation

/// `forge schedules list|put|delete`.
struct Schedules: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage cron schedules.",
        subcommands: [List.self, Put.self, Delete.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every schedule.")
        @OptionGroup var gateway: GatewayOptions

        func run() async throws {
            try await reportingErrors {
                let response = try await gateway.client.send("GET", "/v1/schedules")
                if gateway.json { return Output.json(response.body) }
                let schedules = (response.object["schedules"] as? [[String: Any]]) ?? (response.json as? [[String: Any]]) ?? []
                Output.table(
                    ["name", "cron", "time_zone", "type", "queue", "paused"],
                    schedules.map { schedule in
                        let job = schedule["job"] as? [String: Any] ?? [:]
                        return [Output.cell(schedule["name"]), Output.cell(schedule["cron"]), Output.cell(schedule["time_zone"]),
                                Output.cell(job["type"]), Output.cell(job["queue"]), Output.cell(schedule["paused"])]
                    }
                )
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
        @Option(help: "Payload as JSON.") var payload: String?
        @Flag(help: "Create it paused.") var paused = false

        func run() async throws {
            try await reportingErrors {
                var job: [String: Any] = ["type": type]
                if let queue { job["queue"] = queue }
                if let payload {
                    guard let value = try? JSONSerialization.jsonObject(with: Data(payload.utf8), options: [.fragmentsAllowed]) else {
                        throw CLIError("--payload is not valid JSON")
                    }
                    job["payload"] = value
                }
                let body: [String: Any] = ["cron": cron, "time_zone": timeZone, "job": job, "paused": paused]
                let response = try await gateway.client.send("PUT", "/v1/schedules/\(name)", body: body)
                gateway.json ? Output.json(response.body) : print("\(name)  \(response.status == 201 ? "created" : "replaced")")
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a schedule.")
        @OptionGroup var gateway: GatewayOptions
        @Argument(help: "Schedule name.") var name: String

        func run() async throws {
            try await reportingErrors {
                _ = try await gateway.client.send("DELETE", "/v1/schedules/\(name)")
                print("\(name)  deleted")
            }
        }
    }
}
