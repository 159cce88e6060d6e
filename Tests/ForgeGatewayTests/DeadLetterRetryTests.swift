import ForgeCore
import ForgePostgres
import ForgeRedis
import Foundation
import Testing

/// A dead letter retried after history retention let its row go (issue 17, item 6).
@Suite struct DeadLetterRetryTests {
    @Test func retryingADeadLetterHistoryForgotRestoresItsRow() async throws {
        try await TestGateway.with { gateway in
            let queue = try QueueName("revive")
            let enqueued = try await gateway.http.send(
                "POST",
                "/v1/jobs",
                body: #"{"type": "mail.send", "queue": "revive", "max_attempts": 1, "payload": {"to": "x"}}"#
            )
            let id = try JobID(try #require(enqueued.json["id"] as? String))
            let lease = try #require(try await gateway.queues.lease(queue: queue, count: 1, visibilityMs: 30_000, worker: "w").first)
            _ = try await gateway.queues.fail(queue: queue, LeaseRef(lease), error: "boom", retryable: false, retryDelayMs: 0)
            let live = try #require(try await gateway.queues.job(id))
            #expect(try await gateway.history.job(id) == nil, "history has no row (retention removed it)")

            let retried = try await gateway.http.send("POST", "/v1/dlq/\(id)/retry")
            #expect(retried.status == 200, "\(retried.text)")
            let restored = try #require(try await gateway.history.job(id))
            #expect(restored.type == "mail.send")
            #expect(restored.payload == #"{"to": "x"}"#)
            #expect(restored.createdAtMs == live.createdAtMs)
            #expect(try await gateway.counts("revive").pending == 1)
        }
    }
}
