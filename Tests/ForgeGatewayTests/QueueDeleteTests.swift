import ForgeCore
import ForgeGateway
import ForgeRedis
import Foundation
import Testing

/// The number of queues is bounded (`FORGE_MAX_QUEUES`), and `DELETE /v1/queues/{queue}` makes
/// room: an empty queue leaves the registry; one holding jobs or unarchived history stays, and
/// the 409 says what it holds.
@Suite struct QueueDeleteTests {
    @Test func aQueueWithJobsIsKeptAndAnEmptyOneDeleted() async throws {
        try await TestGateway.with { gateway in
            let id = try await enqueue(gateway, queue: "to-delete")

            let held = try await gateway.http.send("DELETE", "/v1/queues/to-delete")
            #expect(held.status == 409, "\(held.text)")
            #expect((held.json["detail"] as? String)?.contains("1 pending") == true, "\(held.text)")
            #expect(try await gateway.http.get("/v1/queues/to-delete").status == 200)

            try await empty(gateway, queue: "to-delete", canceling: id)
            let deleted = try await gateway.http.send("DELETE", "/v1/queues/to-delete")
            #expect(deleted.status == 204, "\(deleted.text)")
            #expect(try await gateway.http.get("/v1/queues/to-delete").status == 404)
            #expect(try await gateway.queues.queueNames().isEmpty)
            #expect(try await gateway.http.send("DELETE", "/v1/queues/to-delete").status == 404)
            #expect(try await gateway.http.send("DELETE", "/v1/queues/bad%20name").status == 400)
        }
    }

    @Test func aNewQueueBeyondTheLimitIsRefusedNamingQueueAndDeletingOneMakesRoom() async throws {
        try await TestGateway.with(configure: .set { $0.maxQueues = 2 }) { gateway in
            _ = try await enqueue(gateway, queue: "first")
            let second = try await enqueue(gateway, queue: "second")
            let refused = try await gateway.http.send("POST", "/v1/jobs", body: #"{"type": "a", "queue": "third"}"#)
            #expect(refused.status == 422, "\(refused.text)")
            #expect(refused.json["field"] as? String == "queue")
            #expect(refused.json["type"] as? String == "urn:forge:problem:queue-limit")
            #expect(try await gateway.http.send("POST", "/v1/queues/third/pause").status == 422)

            // A batch: the existing queue's item is enqueued, the new queue's item refused.
            let batch = try await gateway.http.send(
                "POST",
                "/v1/jobs/batch",
                body: #"{"jobs": [{"type": "a", "queue": "first"}, {"type": "a", "queue": "third"}]}"#
            )
            #expect(batch.status == 200, "\(batch.text)")
            let results = batch.json["results"] as? [[String: Any]] ?? []
            #expect(results.first?["id"] != nil, "\(batch.text)")
            #expect((results.last?["error"] as? [String: Any])?["status"] as? Int == 422, "\(batch.text)")
            #expect(try await gateway.queues.queueNames().map(\.rawValue).sorted() == ["first", "second"])

            try await empty(gateway, queue: "second", canceling: second)
            #expect(try await gateway.http.send("DELETE", "/v1/queues/second").status == 204)
            #expect(try await gateway.http.send("POST", "/v1/jobs", body: #"{"type": "a", "queue": "third"}"#).status == 201)
        }
    }

    private func enqueue(_ gateway: TestGateway, queue: String) async throws -> String {
        let created = try await gateway.http.send("POST", "/v1/jobs", body: #"{"type": "a", "queue": "\#(queue)"}"#)
        #expect(created.status == 201, "\(created.text)")
        return try #require(created.json["id"] as? String)
    }

    /// Cancels the queue's one job and archives its events, as the scheduler would.
    private func empty(_ gateway: TestGateway, queue name: String, canceling id: String) async throws {
        #expect(try await gateway.http.send("POST", "/v1/jobs/\(id)/cancel").status == 200)
        let queue = try QueueName(name)
        while true {
            let batch = try await gateway.queues.readEvents(queue, count: 100)
            if batch.isEmpty { break }
            try await gateway.queues.acknowledgeEvents(batch)
        }
    }
}
