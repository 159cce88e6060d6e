import ForgePostgres
import Foundation
import Testing

/// Whole-system tests over the real processes. Serialized: each starts several processes, and
/// the machine has two cores.
@Suite(.serialized) struct EndToEndTests {
    @Test func enqueuedJobIsHandledAndArchived() async throws {
        try await withStack { stack in
            let id = try await stack.enqueue(["type": "noop", "payload": ["hello": "world"]])
            let job = try await stack.waitForState(id, "completed")
            #expect(job["attempts"] as? Int == 1)
            #expect((job["payload"] as? [String: Any])?["hello"] as? String == "world")
            // The scheduler leader archives it to Postgres; search reads Postgres.
            try await stack.waitUntil("history row", timeout: 20) {
                let page = try await stack.request("GET", "/v1/jobs?queue=default&state=completed").json
                return ((page["jobs"] as? [[String: Any]]) ?? []).contains { $0["id"] as? String == id }
            }
        }
    }

    @Test func delayedJobWaitsForItsTime() async throws {
        try await withStack { stack in
            let id = try await stack.enqueue(["type": "noop", "delay_ms": 1500])
            #expect(try await stack.job(id)["state"] as? String == "scheduled")
            let done = try await stack.waitForState(id, "completed")
            let created = try #require(Self.date(done["created_at"]))
            let started = try #require(Self.date(done["started_at"]))
            #expect(started.timeIntervalSince(created) >= 1.4)
        }
    }

    @Test func failingJobRetriesThenLandsInTheDeadLetterSetAndCanBeRetried() async throws {
        try await withStack { stack in
            let id = try await stack.enqueue([
                "type": "fail", "payload": ["message": "boom", "retryable": true], "max_attempts": 2,
                "backoff": ["base_ms": 10, "cap_ms": 50],
            ])
            let dead = try await stack.waitForState(id, "dead")
            #expect(dead["attempts"] as? Int == 2)
            #expect((dead["last_error"] as? String)?.contains("boom") == true)
            let dlq = try await stack.request("GET", "/v1/dlq?queue=default").json
            #expect(((dlq["jobs"] as? [[String: Any]]) ?? []).contains { $0["id"] as? String == id })

            let retry = try await stack.request("POST", "/v1/dlq/\(id)/retry")
            #expect(retry.status == 200)
            // It runs again with fresh attempts (and, failing again, dies again after two more).
            try await stack.waitUntil("history shows four failed attempts", timeout: 30) {
                try await Self.postgresErrors(stack, id) >= 4
            }
            #expect(try await stack.job(id)["state"] as? String == "dead")
        }
    }

    @Test func badInputIsRefusedAndChangesNothing() async throws {
        try await withStack(workers: []) { stack in
            let before = try await stack.request("GET", "/v1/queues/default").json
            let malformed = try await stack.request("POST", "/v1/jobs", raw: Data("{\"type\": ".utf8))
            #expect(malformed.status == 400)
            #expect(malformed.headers["content-type"]?.contains("application/problem+json") == true)
            let unknown = try await stack.request("POST", "/v1/jobs", json: ["type": "noop", "colour": "red"])
            #expect(unknown.status == 400)
            #expect(unknown.json["field"] as? String == "colour")
            let wrongType = try await stack.request("POST", "/v1/jobs", json: ["type": "noop", "priority": "high"])
            #expect(wrongType.status == 400)
            #expect(wrongType.json["field"] as? String == "priority")
            let badQueue = try await stack.request("POST", "/v1/jobs", json: ["type": "noop", "queue": "No Spaces"])
            #expect(badQueue.status == 400)
            #expect(badQueue.json["field"] as? String == "queue")
            let oversized = try await stack.request(
                "POST",
                "/v1/jobs",
                json: ["type": "noop", "payload": String(repeating: "x", count: 3 << 20)]
            )
            #expect(oversized.status == 413)
            let anonymous = try await stack.request("POST", "/v1/jobs", json: ["type": "noop"], token: .some(nil))
            #expect(anonymous.status == 401)
            let wrongToken = try await stack.request("POST", "/v1/jobs", json: ["type": "noop"], token: "nope")
            #expect(wrongToken.status == 401)
            let after = try await stack.request("GET", "/v1/queues/default").json
            #expect(
                NSDictionary(dictionary: before["counts"] as? [String: Any] ?? [:])
                    .isEqual(to: after["counts"] as? [String: Any] ?? [:])
            )
            #expect(try await stack.request("GET", "/livez", token: .some(nil)).status == 200)
        }
    }

    static func date(_ value: Any?) -> Date? {
        guard let text = value as? String else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text) ?? ISO8601DateFormatter().date(from: text)
    }

    static func postgresErrors(_ stack: ForgeStack, _ id: String) async throws -> Int {
        let client = PostgresClient(configuration: try PostgresConfiguration(url: ForgeStack.postgresURL, poolSize: 1, schema: stack.schema))
        defer { Task { await client.shutdown() } }
        let rows = try await client.query("SELECT jsonb_array_length(errors) FROM jobs WHERE id = $1", [id])
        return rows.rows.first?.first.flatMap { $0.flatMap { Int($0) } } ?? 0
    }
}
