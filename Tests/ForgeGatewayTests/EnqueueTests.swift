import ForgeCore
import ForgeRedis
import Foundation
import Testing

@Suite struct EnqueueTests {
    @Test func enqueueAnswers201AndTheJobReadsBackPending() async throws {
        try await TestGateway.with { gateway in
            let reply = try await gateway.http.post(
                "/v1/jobs",
                json: ["type": "mail.send", "queue": "mail", "payload": ["to": "a@b.c", "n": 12_345_678_901_234]]
            )
            #expect(reply.status == 201)
            #expect(reply.json["state"] as? String == "pending")
            let id = try #require(reply.json["id"] as? String)
            #expect(reply.header("Location") == "/v1/jobs/\(id)")

            let read = try await gateway.http.get("/v1/jobs/\(id)")
            #expect(read.status == 200)
            let job = read.json
            #expect(job["state"] as? String == "pending")
            #expect(job["queue"] as? String == "mail")
            #expect(job["type"] as? String == "mail.send")
            #expect(job["priority"] as? Int == 5)
            #expect((job["payload"] as? [String: Any])?["to"] as? String == "a@b.c")
            #expect(read.text.contains("12345678901234"))
            #expect(job["started_at"] is NSNull)
            #expect(job["result"] is NSNull)
            let created = try #require(job["created_at"] as? String)
            #expect(created.hasSuffix("Z") && created.contains("."))
            #expect(try await gateway.counts("mail").pending == 1)
        }
    }

    @Test func runAtInTheFutureIsScheduledWithTheGivenTime() async throws {
        try await TestGateway.with { gateway in
            let reply = try await gateway.http.post(
                "/v1/jobs",
                json: ["type": "report", "run_at": "2099-06-01T14:30:00+02:00"]
            )
            #expect(reply.status == 201)
            #expect(reply.json["state"] as? String == "scheduled")
            let id = try #require(reply.json["id"] as? String)
            let job = try await gateway.http.get("/v1/jobs/\(id)").json
            #expect(job["run_at"] as? String == "2099-06-01T12:30:00.000Z")
        }
    }

    @Test func duplicateUniqueKeyReturnsTheFirstJobWith200() async throws {
        try await TestGateway.with { gateway in
            let third = try await gateway.http.post("/v1/jobs", json: ["type": "charge", "queue": "pay", "unique_key": "k"])
            let fourth = try await gateway.http.post("/v1/jobs", json: ["type": "charge", "queue": "pay", "unique_key": "k"])
            #expect(third.status == 201)
            #expect(fourth.status == 200)
            #expect(fourth.json["id"] as? String == third.json["id"] as? String)
            #expect(try await gateway.counts("pay").pending == 1)
        }
    }

    @Test func batchEnqueuesEveryItemAndAnswersInOrder() async throws {
        try await TestGateway.with { gateway in
            let reply = try await gateway.http.post(
                "/v1/jobs/batch",
                json: [
                    "jobs": [
                        ["type": "a", "queue": "bulk"],
                        ["type": "b", "queue": "bulk", "priority": 9],
                        ["type": "c", "queue": "other", "unique_key": "u"],
                    ]
                ]
            )
            #expect(reply.status == 200)
            let results = try #require(reply.json["results"] as? [[String: Any]])
            #expect(results.count == 3)
            #expect(results.allSatisfy { $0["state"] as? String == "pending" && $0["created"] as? Bool == true })
            #expect(try await gateway.counts("bulk").pending == 2)
            let first = try #require(results[0]["id"] as? String)
            #expect(try await gateway.http.get("/v1/jobs/\(first)").json["type"] as? String == "a")
            let third = try #require(results[2]["id"] as? String)
            #expect(try await gateway.http.get("/v1/jobs/\(third)").json["queue"] as? String == "other")
        }
    }

    @Test func enqueueCountsTheEnqueuedMetric() async throws {
        try await TestGateway.with { gateway in
            _ = try await gateway.http.post("/v1/jobs", json: ["type": "metric.job", "queue": "m"])
            let metrics = try await gateway.http.get("/metrics", token: .some(nil))
            #expect(metrics.status == 200)
            #expect(metrics.text.contains(#"forge_jobs_enqueued_total{queue="m",type="metric.job"} 1"#))
            #expect(metrics.text.contains("forge_http_requests_total"))
        }
    }
}
