import ForgeCore
import ForgeGateway
import ForgeRedis
import Foundation
import Testing

@Suite struct ValidationTests {
    /// Each bad request, the status it must get and the field its problem must name (nil: none).
    static let cases: [(name: String, path: String, body: String, status: Int, field: String?)] = [
        ("malformed JSON", "/v1/jobs", #"{"type": "a", "#, 400, nil),
        ("unknown field", "/v1/jobs", #"{"type": "a", "queue": "v", "colour": "red"}"#, 400, "colour"),
        ("wrong type", "/v1/jobs", #"{"type": "a", "queue": "v", "priority": "high"}"#, 400, "priority"),
        ("priority out of range", "/v1/jobs", #"{"type": "a", "queue": "v", "priority": 10}"#, 400, "priority"),
        ("bad queue name", "/v1/jobs", #"{"type": "a", "queue": "Bad Queue!"}"#, 400, "queue"),
        ("missing type", "/v1/jobs", #"{"queue": "v"}"#, 400, "type"),
        ("bad run_at", "/v1/jobs", #"{"type": "a", "queue": "v", "run_at": "tomorrow"}"#, 400, "run_at"),
        ("nested backoff", "/v1/jobs", #"{"type": "a", "queue": "v", "backoff": {"base_ms": 0, "cap_ms": 5}}"#, 400, "backoff.base_ms"),
        ("non-object body", "/v1/jobs", #"[{"type": "a", "queue": "v"}]"#, 400, nil),
        ("batch unknown field", "/v1/jobs/batch", #"{"jobs": [{"type": "a", "queue": "v"}], "extra": 1}"#, 400, "extra"),
        ("batch not an array", "/v1/jobs/batch", #"{"jobs": {"type": "a"}}"#, 400, "jobs"),
        ("batch empty", "/v1/jobs/batch", #"{"jobs": []}"#, 400, "jobs"),
        // Valid JSON, but Postgres history cannot store U+0000 (it used to stall the archiver).
        ("payload with U+0000", "/v1/jobs", #"{"type": "a", "queue": "v", "payload": {"k": "a\u0000b"}}"#, 422, "payload"),
    ]

    @Test func badInputIsAProblemNamingTheFieldAndChangesNothing() async throws {
        try await TestGateway.with { gateway in
            for bad in Self.cases {
                let reply = try await gateway.http.send("POST", bad.path, body: bad.body)
                #expect(reply.status == bad.status, "\(bad.name): \(reply.text)")
                #expect(reply.header("Content-Type") == "application/problem+json", "\(bad.name)")
                let problem = reply.json
                #expect(problem["status"] as? Int == bad.status, "\(bad.name)")
                #expect(problem["title"] is String && problem["detail"] is String && problem["type"] is String)
                #expect(problem["field"] as? String == bad.field, "\(bad.name): \(reply.text)")
            }
            #expect(try await gateway.counts("v") == .init())
            #expect(try await gateway.queues.queueNames().isEmpty)
        }
    }

    @Test func unknownFieldOfABatchItemIsNamedWithItsIndex() async throws {
        try await TestGateway.with { gateway in
            let reply = try await gateway.http.send(
                "POST",
                "/v1/jobs/batch",
                body: #"{"jobs": [{"type": "a", "queue": "v"}, {"type": "a"}, {"type": "a"}, {"type": "a", "colour": 1}]}"#
            )
            #expect(reply.status == 400)
            #expect(reply.json["field"] as? String == "jobs[3].colour")
            #expect(try await gateway.counts("v") == .init())
        }
    }

    /// An escaped backslash before `u0000` is not the character U+0000.
    @Test func escapedBackslashBeforeU0000IsNotTheCharacter() async throws {
        try await TestGateway.with { gateway in
            let reply = try await gateway.http.send(
                "POST",
                "/v1/jobs/batch",
                body: #"{"jobs": [{"type": "a", "queue": "v", "payload": "\\u0000 is fine escaped"}]}"#
            )
            #expect(reply.status == 200)
            #expect(try await gateway.counts("v").pending == 1)
        }
    }

    /// A queue whose unarchived history is over its limit refuses enqueues with a 503 the
    /// client can retry, and writes nothing.
    @Test func enqueueUnderHistoryBackPressureIs503WithRetryAfter() async throws {
        try await TestGateway.with { gateway in
            try await gateway.queues.setBackpressure(try QueueName("v"), true)
            let reply = try await gateway.http.send("POST", "/v1/jobs", body: #"{"type": "a", "queue": "v"}"#)
            #expect(reply.status == 503)
            #expect(reply.header("Retry-After") == "5")
            #expect(reply.json["type"] as? String == "urn:forge:problem:backpressure")
            #expect(try await gateway.counts("v") == .init())
            try await gateway.queues.setBackpressure(try QueueName("v"), false)
            let accepted = try await gateway.http.send("POST", "/v1/jobs", body: #"{"type": "a", "queue": "v"}"#)
            #expect(accepted.status == 201)
        }
    }

    /// One queue of a batch refusing (back-pressure) fails only its own items; the other
    /// queue's items are enqueued and reported as such.
    @Test func batchReportsAQueueRefusingPerItemAndEnqueuesTheRest() async throws {
        try await TestGateway.with { gateway in
            try await gateway.queues.setBackpressure(try QueueName("full"), true)
            let reply = try await gateway.http.send(
                "POST",
                "/v1/jobs/batch",
                body: #"{"jobs": [{"type": "a", "queue": "full"}, {"type": "a", "queue": "v"}, {"type": "a", "queue": "full"}]}"#
            )
            #expect(reply.status == 200)
            let results = try #require(reply.json["results"] as? [[String: Any]])
            #expect((results[0]["error"] as? [String: Any])?["status"] as? Int == 503)
            #expect(results[1]["state"] as? String == "pending")
            #expect((results[2]["error"] as? [String: Any])?["type"] as? String == "urn:forge:problem:backpressure")
            #expect(try await gateway.counts("v").pending == 1)
            #expect(try await gateway.counts("full") == .init())
        }
    }

    @Test func oversizedBodyIs413AndChangesNothing() async throws {
        try await TestGateway.with(configure: .set { $0.maxBodyBytes = 64 * 1024 }) { gateway in
            let filler = String(repeating: "x", count: 100 * 1024)
            let reply = try await gateway.http.send(
                "POST",
                "/v1/jobs",
                body: #"{"type": "a", "queue": "v", "payload": "\#(filler)"}"#
            )
            #expect(reply.status == 413)
            #expect(reply.header("Content-Type") == "application/problem+json")
            #expect(reply.json["status"] as? Int == 413)
            #expect(try await gateway.counts("v") == .init())
        }
    }

    @Test func payloadOverTheJobLimitNamesPayload() async throws {
        try await TestGateway.with(configure: .set { $0.jobLimits.maxPayloadBytes = 1024 }) { gateway in
            let filler = String(repeating: "x", count: 2048)
            let reply = try await gateway.http.send(
                "POST",
                "/v1/jobs",
                body: #"{"type": "a", "queue": "v", "payload": "\#(filler)"}"#
            )
            #expect(reply.status == 400)
            #expect(reply.json["field"] as? String == "payload")
            #expect(try await gateway.counts("v") == .init())
        }
    }

    @Test func badQueryParametersAndIdsAreNamed() async throws {
        try await TestGateway.with { gateway in
            let cases: [(String, String)] = [
                ("/v1/jobs?state=sleeping", "state"),
                ("/v1/jobs?limit=0", "limit"),
                ("/v1/jobs?colour=red", "colour"),
                ("/v1/jobs?cursor=nonsense", "cursor"),
                ("/v1/jobs/not-a-uuid", "id"),
                ("/v1/dlq", "queue"),
                ("/v1/queues/Bad!", "queue"),
            ]
            for (path, field) in cases {
                let reply = try await gateway.http.get(path)
                #expect(reply.status == 400, "\(path): \(reply.text)")
                #expect(reply.json["field"] as? String == field, "\(path): \(reply.text)")
            }
        }
    }

    @Test func unknownJobIs404Problem() async throws {
        try await TestGateway.with { gateway in
            let reply = try await gateway.http.get("/v1/jobs/\(JobID.generate())")
            #expect(reply.status == 404)
            #expect(reply.header("Content-Type") == "application/problem+json")
        }
    }
}
