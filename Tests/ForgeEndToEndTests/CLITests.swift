import Foundation
import Testing

extension OneStackAtATime {
    /// The `forge` CLI against a real gateway: URLs, options, `--json`, exit statuses.
    @Suite struct CLITests {
        @Test func enqueueSendsEveryOptionTheAPIHas() async throws {
            try await withStack(workers: []) { stack in
                let payload = try secretFile(#"{"to": "a@b.c", "n": 1}"# + "\n")
                defer { try? FileManager.default.removeItem(at: payload) }
                let options = [
                    "--queue", "cli", "--payload", "@\(payload.path)", "--priority", "7", "--delay-ms", "600000",
                    "--max-attempts", "3", "--timeout-ms", "1500", "--backoff-base-ms", "100", "--backoff-cap-ms", "900",
                    "--unique-key", "k-1", "--unique-for-ms", "60000",
                ]
                let first = try await stack.cli(["enqueue", "mail.send", "--json"] + options)
                #expect(first.status == 0, "\(first.stderr)")
                let id = try #require(first.json["id"] as? String, "\(first.stdout)")
                let job = try await stack.job(id)
                #expect(job["queue"] as? String == "cli")
                #expect(job["priority"] as? Int == 7)
                #expect(job["max_attempts"] as? Int == 3)
                #expect(job["state"] as? String == "scheduled")
                #expect((job["payload"] as? [String: Any])?["to"] as? String == "a@b.c")

                // Same unique key inside the window: the first job, said so in the human output.
                let again = try await stack.cli(["enqueue", "mail.send"] + options)
                #expect(again.status == 0, "\(again.stderr)")
                #expect(again.stdout.hasPrefix(id) && again.stdout.contains("existing job"), "\(again.stdout)")

                let keyed = try await stack.cli(["enqueue", "noop", "--idempotency-key", "idem-1", "--json"])
                let repeated = try await stack.cli(["enqueue", "noop", "--idempotency-key", "idem-1", "--json"])
                #expect(keyed.json["id"] as? String != nil)
                #expect(repeated.json["id"] as? String == keyed.json["id"] as? String)
            }
        }

        @Test func payloadComesFromStandardInputOrAFileAndBadOnesAreUsageErrors() async throws {
            try await withStack(workers: []) { stack in
                let piped = try await stack.cli(["enqueue", "noop", "--payload", "-", "--json"], stdin: #"{"from": "stdin"}"#)
                #expect(piped.status == 0, "\(piped.stderr)")
                let job = try await stack.job(try #require(piped.json["id"] as? String))
                #expect((job["payload"] as? [String: Any])?["from"] as? String == "stdin")

                let missing = try await stack.cli(["enqueue", "noop", "--payload", "@/nonexistent/payload.json"])
                #expect(missing.status == 2)
                #expect(missing.stderr.contains("--payload: cannot read /nonexistent/payload.json"), "\(missing.stderr)")
                let invalid = try await stack.cli(["enqueue", "noop", "--payload", "{not json"])
                #expect(invalid.status == 2)
                #expect(invalid.stderr.contains("--payload"), "\(invalid.stderr)")
                let both = try await stack.cli(["enqueue", "noop", "--delay-ms", "5", "--run-at", "2030-01-01T00:00:00Z"])
                #expect(both.status == 2, "\(both.stderr)")
            }
        }

        @Test func argumentsAreEncodedSoTheyCannotAddQueryParameters() async throws {
            try await withStack(workers: []) { stack in
                // Unencoded, `&state=dead` would become a filter of its own and the search would pass.
                let injected = try await stack.cli(["jobs", "--queue", "x&state=dead", "--json"])
                #expect(injected.status == 2, "\(injected.stdout) \(injected.stderr)")
                #expect(injected.json["field"] as? String == "queue", "\(injected.stdout)")
                let dlq = try await stack.cli(["dlq", "list", "--queue", "default&limit=5000"])
                #expect(dlq.status == 2)
                #expect(dlq.stderr.contains("field: queue"), "\(dlq.stderr)")
                // A path argument stays one segment: no walking to another route.
                let walked = try await stack.cli(["status", "../queues"])
                #expect(walked.status == 2 || walked.status == 3, "\(walked.stderr)")
            }
        }

        @Test func exitStatusesTellFailuresApart() async throws {
            try await withStack(workers: []) { stack in
                let unknown = "0190a6f2-7c1e-7000-8000-000000000000"
                let notFound = try await stack.cli(["status", unknown, "--json"])
                #expect(notFound.status == 3)
                // --json prints the problem document on stdout.
                #expect(notFound.json["status"] as? Int == 404, "\(notFound.stdout)")
                #expect(notFound.stderr.contains("404"))

                let id = try await stack.enqueue(["type": "noop", "queue": "exit"])
                #expect(try await stack.cli(["dlq", "retry", id]).status == 4)
                // A queue holding a job is not deleted: a conflict naming what it holds.
                let delete = try await stack.cli(["queues", "delete", "exit"])
                #expect(delete.status == 4)
                #expect(delete.stderr.contains("1 pending"), "\(delete.stderr)")
                #expect(try await stack.cli(["queues", "delete", "no-such-queue"]).status == 3)
                #expect(try await stack.cli(["queues", "--token", "not-the-token"]).status == 6)
                #expect(try await CLIRun.forge(["queues", "--gateway-url", "http://127.0.0.1:1"]).status == 5)
                #expect(try await stack.cli(["jobs", "--limit", "many"]).status == 2)
                #expect(try await stack.cli(["jobs", "--state", "finished"]).status == 2)
                #expect(try await stack.cli(["enqueue"]).status == 2)
                let help = try await CLIRun.forge(["--help"])
                #expect(help.status == 0)
                for code in ["0  success", "2  usage", "3  not found", "4  conflict", "5  unavailable", "6  unauthorized"] {
                    #expect(help.stdout.contains(code), "forge --help lacks '\(code)'")
                }
            }
        }

        @Test func cancelCancelsAWaitingJobAndAFinishedOneIsAConflict() async throws {
            try await withStack(workers: []) { stack in
                let id = try await stack.enqueue(["type": "noop", "queue": "cli-cancel"])
                let canceled = try await stack.cli(["cancel", id])
                #expect(canceled.status == 0, "\(canceled.stderr)")
                #expect(canceled.stdout == "\(id)  canceled\n", "\(canceled.stdout)")
                #expect(try await stack.job(id)["state"] as? String == "canceled")

                let again = try await stack.cli(["cancel", id, "--json"])
                #expect(again.status == 4, "\(again.stderr)")
                #expect(again.json["status"] as? Int == 409, "\(again.stdout)")
                #expect(try await stack.cli(["cancel", "0190a6f2-7c1e-7000-8000-000000000000"]).status == 3)
            }
        }

        @Test func tokenComesFromAFile() async throws {
            try await withStack(workers: []) { stack in
                let file = try secretFile(stack.token + "\n")
                defer { try? FileManager.default.removeItem(at: file) }
                let viaFile = try await stack.cli(["queues", "--token-file", file.path], environment: ["FORGE_API_TOKEN": ""])
                #expect(viaFile.status == 0, "\(viaFile.stderr)")
                let viaVariable = try await stack.cli(["queues"], environment: ["FORGE_API_TOKEN": "", "FORGE_API_TOKEN_FILE": file.path])
                #expect(viaVariable.status == 0, "\(viaVariable.stderr)")
                let missing = try await stack.cli(["queues", "--token-file", "/nonexistent/token"], environment: ["FORGE_API_TOKEN": ""])
                #expect(missing.status == 2)
                #expect(missing.stderr.contains("--token-file: cannot read /nonexistent/token"), "\(missing.stderr)")
            }
        }

        @Test func jobsSearchesHistoryWithEveryFilterAndPages() async throws {
            try await withStack(workers: []) { stack in
                var ids: [String] = []
                for n in 0..<3 { ids.append(try await stack.enqueue(["type": "report", "queue": "hist", "payload": ["n": n]])) }
                _ = try await stack.enqueue(["type": "other", "queue": "hist"])
                try await stack.waitUntil("history archived", timeout: 20) {
                    let run = try await stack.cli(["jobs", "--queue", "hist", "--json"])
                    return (run.json["jobs"] as? [Any])?.count == 4
                }
                let filters = [
                    "--queue", "hist", "--state", "pending", "--type", "report", "--created-after", "2020-01-01T00:00:00Z",
                    "--created-before", "2100-01-01T00:00:00Z", "--limit", "2",
                ]
                let first = try await stack.cli(["jobs", "--json"] + filters)
                #expect(first.status == 0, "\(first.stderr)")
                let page = (first.json["jobs"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                #expect(page.count == 2)
                let cursor = try #require(first.json["next_cursor"] as? String)
                let second = try await stack.cli(["jobs", "--json", "--cursor", cursor] + filters)
                let rest = (second.json["jobs"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                #expect(Set(page + rest) == Set(ids) && rest.count == 1)
                #expect(second.json["next_cursor"] is NSNull)

                let table = try await stack.cli(["jobs"] + filters)
                #expect(table.status == 0)
                #expect(table.stdout.hasPrefix("id"), "\(table.stdout)")
                #expect(page.allSatisfy { table.stdout.contains($0) } && rest.allSatisfy { !table.stdout.contains($0) })
                #expect(table.stderr.contains("--cursor"), "\(table.stderr)")
            }
        }

        @Test func schedulesShowOneSchedule() async throws {
            try await withStack(workers: []) { stack in
                let put = try await stack.cli([
                    "schedules", "put", "nightly", "--cron", "0 3 * * *", "--type", "noop", "--priority", "3",
                    "--payload", #"{"x": 1}"#,
                ])
                #expect(put.status == 0, "\(put.stderr)")
                let shown = try await stack.cli(["schedules", "show", "nightly"])
                #expect(shown.status == 0, "\(shown.stderr)")
                #expect(shown.stdout.contains("0 3 * * *") && shown.stdout.contains("job.priority"), "\(shown.stdout)")
                let json = try await stack.cli(["schedules", "show", "nightly", "--json"])
                #expect(json.json["name"] as? String == "nightly")
                #expect(try await stack.cli(["schedules", "show", "weekly"]).status == 3)
                let deleted = try await stack.cli(["schedules", "delete", "nightly", "--json"])
                #expect(deleted.status == 0 && deleted.stdout.isEmpty)
            }
        }
    }
}
