import ForgeCore
import ForgeGateway
import ForgeRedis
import Foundation
import Testing

@Suite struct JobLifecycleTests {
    @Test func cancelPendingJobMakesItCanceled() async throws {
        try await TestGateway.with { gateway in
            let id = try #require(try await gateway.http.post("/v1/jobs", json: ["type": "a", "queue": "c"]).json["id"] as? String)
            let reply = try await gateway.http.send("POST", "/v1/jobs/\(id)/cancel")
            #expect(reply.status == 200)
            #expect(reply.json["state"] as? String == "canceled")
            #expect(try await gateway.http.get("/v1/jobs/\(id)").json["state"] as? String == "canceled")
            #expect(try await gateway.counts("c").pending == 0)

            let again = try await gateway.http.send("POST", "/v1/jobs/\(id)/cancel")
            #expect(again.status == 409)
            #expect(again.header("Content-Type") == "application/problem+json")

            #expect(try await gateway.http.send("POST", "/v1/jobs/\(JobID.generate())/cancel").status == 404)
            #expect(try await gateway.http.send("POST", "/v1/jobs/not-a-job-id/cancel").status == 400)
        }
    }

    /// DELETE used to cancel, so the "deleted" job stayed readable with 200 (issue 17, item 14).
    /// Jobs are not deleted through the API: DELETE is a 405 and changes nothing.
    @Test func deleteOnAJobIsNotAllowedAndLeavesItAlone() async throws {
        try await TestGateway.with { gateway in
            let id = try #require(try await gateway.http.post("/v1/jobs", json: ["type": "a", "queue": "d"]).json["id"] as? String)
            let reply = try await gateway.http.send("DELETE", "/v1/jobs/\(id)")
            #expect(reply.status == 405, "\(reply.text)")
            #expect(reply.header("Allow") == "GET, HEAD, OPTIONS")
            #expect(reply.header("Content-Type") == "application/problem+json")
            #expect(try await gateway.http.get("/v1/jobs/\(id)").json["state"] as? String == "pending")
            #expect(try await gateway.counts("d").pending == 1)
        }
    }

    @Test func cancelActiveJobIsRequestedWith202() async throws {
        try await TestGateway.with { gateway in
            let id = try #require(try await gateway.http.post("/v1/jobs", json: ["type": "a", "queue": "c"]).json["id"] as? String)
            let leased = try await gateway.queues.lease(queue: try QueueName("c"), count: 1, visibilityMs: 30_000, worker: "w")
            #expect(leased.first?.id.rawValue == id)
            let reply = try await gateway.http.send("POST", "/v1/jobs/\(id)/cancel")
            #expect(reply.status == 202)
            #expect(reply.json["state"] as? String == "active")
            #expect(reply.json["cancel_requested"] as? Bool == true)
        }
    }

    @Test func pauseAndResumeShowInTheQueue() async throws {
        try await TestGateway.with { gateway in
            _ = try await gateway.http.post("/v1/jobs", json: ["type": "a", "queue": "pq"])
            let before = try await gateway.http.get("/v1/queues/pq")
            #expect(before.status == 200)
            #expect(before.json["paused"] as? Bool == false)
            #expect((before.json["counts"] as? [String: Any])?["pending"] as? Int == 1)

            let paused = try await gateway.http.send("POST", "/v1/queues/pq/pause")
            #expect(paused.status == 200)
            #expect(try await gateway.http.get("/v1/queues/pq").json["paused"] as? Bool == true)
            let list = try #require(try await gateway.http.get("/v1/queues").json["queues"] as? [[String: Any]])
            #expect(list.first { $0["name"] as? String == "pq" }?["paused"] as? Bool == true)

            #expect(try await gateway.http.send("POST", "/v1/queues/pq/resume").status == 200)
            let after = try await gateway.http.get("/v1/queues/pq").json
            #expect(after["paused"] as? Bool == false)
            let counts = try #require(after["counts"] as? [String: Any])
            #expect(Set(counts.keys) == ["scheduled", "pending", "active", "retrying", "dead", "completed"])

            #expect(try await gateway.http.get("/v1/queues/nosuchqueue").status == 404)
        }
    }

    @Test func deadLettersCanBeListedRetriedAndDeleted() async throws {
        try await TestGateway.with { gateway in
            let queue = try QueueName("dq")
            let id = try #require(try await gateway.http.post("/v1/jobs", json: ["type": "a", "queue": "dq"]).json["id"] as? String)
            try await killOne(gateway, queue)

            let list = try await gateway.http.get("/v1/dlq?queue=dq")
            #expect(list.status == 200)
            let jobs = try #require(list.json["jobs"] as? [[String: Any]])
            #expect(jobs.map { $0["id"] as? String } == [id])
            #expect(jobs.first?["state"] as? String == "dead")
            #expect(jobs.first?["last_error"] as? String == "boom")

            let retried = try await gateway.http.send("POST", "/v1/dlq/\(id)/retry")
            #expect(retried.status == 200)
            #expect(retried.json["state"] as? String == "pending")
            #expect(try await gateway.counts("dq").pending == 1)
            #expect(try await gateway.counts("dq").dead == 0)
            #expect(try await gateway.http.send("POST", "/v1/dlq/\(id)/retry").status == 409)

            try await killOne(gateway, queue)
            #expect(try await gateway.http.send("DELETE", "/v1/dlq/\(id)").status == 204)
            #expect(try await gateway.counts("dq").dead == 0)
            #expect((try await gateway.http.get("/v1/dlq?queue=dq").json["jobs"] as? [Any])?.isEmpty == true)
            #expect(try await gateway.http.send("DELETE", "/v1/dlq/\(id)").status == 404)
        }
    }

    /// Leases the queue's next job and fails it for good.
    private func killOne(_ gateway: TestGateway, _ queue: QueueName) async throws {
        let leased = try #require(try await gateway.queues.lease(queue: queue, count: 1, visibilityMs: 30_000, worker: "w").first)
        let outcome = try await gateway.queues.fail(queue: queue, LeaseRef(leased), error: "boom", retryable: false, retryDelayMs: 0)
        #expect(outcome == .dead)
    }
}
