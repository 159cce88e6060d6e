import ForgeCore
import ForgePostgres
import ForgeRedis
import Foundation
import Testing

/// A payload comes back byte for byte as it was sent: key order, integers beyond 2^63, `1.0`,
/// escapes and the whitespace inside it, through every route that shows one.
@Suite struct PayloadFidelityTests {
    /// Everything a decode-and-encode round trip would change.
    static let payload =
        #"{"zeta": 1, "alpha": [1.0, 1.50, -0.0, 1e2, 18446744073709551616, -99999999999999999999999],"#
        + #" "escaped": "caf\u00e9 \ud83d\ude00 \/ \" \\", "raw": "café 😀", "nested": {"b": true, "a": null}}"#

    @Test func singleEnqueueReturnsThePayloadByteForByte() async throws {
        try await TestGateway.with { gateway in
            let reply = try await gateway.http.send("POST", "/v1/jobs", body: #"{"type": "a", "payload": \#(Self.payload)}"#)
            #expect(reply.status == 201, "\(reply.text)")
            let id = try #require(reply.json["id"] as? String)
            let read = try await gateway.http.get("/v1/jobs/\(id)")
            #expect(read.text.contains(#""payload":\#(Self.payload),"#), "\(read.text)")
        }
    }

    @Test func batchAndDeadLettersReturnThePayloadByteForByte() async throws {
        try await TestGateway.with { gateway in
            let reply = try await gateway.http.send(
                "POST",
                "/v1/jobs/batch",
                body:
                    #"{"jobs": [{"type": "a", "queue": "f", "max_attempts": 1, "payload": \#(Self.payload)}, {"type": "b", "queue": "f", "payload": 1.0}]}"#
            )
            #expect(reply.status == 200, "\(reply.text)")
            let results = try #require(reply.json["results"] as? [[String: Any]])
            let second = try #require(results[1]["id"] as? String)
            #expect(try await gateway.http.get("/v1/jobs/\(second)").text.contains(#""payload":1.0,"#))

            // Through the dead-letter list too: run the first job to its death.
            let queue = try QueueName("f")
            let leased = try await gateway.queues.lease(queue: queue, count: 1, visibilityMs: 30_000, worker: "w")
            let job = try #require(leased.first)
            _ = try await gateway.queues.fail(queue: queue, LeaseRef(job), error: "boom", retryable: false, retryDelayMs: 0)
            let dead = try await gateway.http.get("/v1/dlq?queue=f")
            #expect(dead.text.contains(#""payload":\#(Self.payload),"#), "\(dead.text)")
        }
    }

    @Test func scheduleReturnsItsPayloadByteForByte() async throws {
        try await TestGateway.with { gateway in
            let body = #"{"cron": "@daily", "job": {"type": "a", "payload": \#(Self.payload)}}"#
            let put = try await gateway.http.send("PUT", "/v1/schedules/exact", body: body)
            #expect(put.status == 201, "\(put.text)")
            #expect(put.text.contains(#""payload":\#(Self.payload),"#), "\(put.text)")
            let get = try await gateway.http.get("/v1/schedules/exact")
            #expect(get.text.contains(#""payload":\#(Self.payload),"#), "\(get.text)")
        }
    }

    /// Postgres history keeps the text too: read back from history once Redis forgot the job,
    /// and through the history search.
    @Test func historyReturnsThePayloadByteForByte() async throws {
        try await TestGateway.with { gateway in
            let reply = try await gateway.http.send("POST", "/v1/jobs", body: #"{"type": "a", "queue": "hf", "payload": \#(Self.payload)}"#)
            let id = try #require(reply.json["id"] as? String)
            let queue = try QueueName("hf")
            let leased = try await gateway.queues.lease(queue: queue, count: 1, visibilityMs: 30_000, worker: "w")
            let job = try #require(leased.first)
            _ = try await gateway.queues.complete(queue: queue, [Completion(id: job.id, token: job.token, result: "[1.0,2]")])
            while true {
                let batch = try await gateway.queues.readEvents(queue, count: 100)
                if batch.isEmpty { break }
                try await gateway.history.record(batch.events)
                try await gateway.queues.acknowledgeEvents(batch)
            }
            _ = try await gateway.redis.command(["DEL", gateway.keys.queue(queue).job(try JobID(id))])

            let read = try await gateway.http.get("/v1/jobs/\(id)")
            #expect(read.status == 200)
            #expect(read.text.contains(#""payload":\#(Self.payload),"#), "\(read.text)")
            #expect(read.text.contains(#""result":[1.0,2],"#), "\(read.text)")
            let search = try await gateway.http.get("/v1/jobs?queue=hf")
            #expect(search.text.contains(#""payload":\#(Self.payload),"#), "\(search.text)")
        }
    }
}
