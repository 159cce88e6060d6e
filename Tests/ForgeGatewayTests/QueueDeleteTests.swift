import ForgeCore
import ForgeRedis
import Foundation
import Testing

/// `DELETE /v1/queues/{queue}`: an empty queue leaves the registry; one holding jobs or
/// unarchived history stays, and the 409 says what it holds.
@Suite struct QueueDeleteTests {
    @Test func aQueueWithJobsIsKeptAndAnEmptyOneDeleted() async throws {
        try await TestGateway.with { gateway in
            let created = try await gateway.http.send("POST", "/v1/jobs", body: #"{"type": "a", "queue": "to-delete"}"#)
            #expect(created.status == 201)

            let held = try await gateway.http.send("DELETE", "/v1/queues/to-delete")
            #expect(held.status == 409, "\(held.text)")
            #expect((held.json["detail"] as? String)?.contains("1 pending") == true, "\(held.text)")
            #expect(try await gateway.http.get("/v1/queues/to-delete").status == 200)

            // Empty it: cancel the job, then archive its events as the scheduler would.
            let id = try #require(created.json["id"] as? String)
            #expect(try await gateway.http.send("DELETE", "/v1/jobs/\(id)").status == 200)
            let queue = try QueueName("to-delete")
            while true {
                let batch = try await gateway.queues.readEvents(queue, count: 100)
                if batch.isEmpty { break }
                try await gateway.queues.acknowledgeEvents(batch)
            }

            let deleted = try await gateway.http.send("DELETE", "/v1/queues/to-delete")
            #expect(deleted.status == 204, "\(deleted.text)")
            #expect(try await gateway.http.get("/v1/queues/to-delete").status == 404)
            #expect(try await gateway.queues.queueNames().isEmpty)
            #expect(try await gateway.http.send("DELETE", "/v1/queues/to-delete").status == 404)
            #expect(try await gateway.http.send("DELETE", "/v1/queues/bad%20name").status == 400)
        }
    }
}
