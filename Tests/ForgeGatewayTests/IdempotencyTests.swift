import ForgeCore
import ForgeGateway
import ForgeRedis
import Foundation
import Testing

/// `Idempotency-Key` (IETF draft httpapi-idempotency-key-header): a repeat replays the first
/// answer, another body under the same key is a 422 naming the header, and keys are their own
/// key space (never a job's unique_key, never another token's).
@Suite struct IdempotencyTests {
    @Test func sameKeyAndBodyReplaysTheFirstAnswer() async throws {
        try await TestGateway.with { gateway in
            let body = #"{"type": "charge", "queue": "pay", "payload": {"cents": 100}}"#
            let headers = ["Idempotency-Key": "order-42"]
            let first = try await gateway.http.send("POST", "/v1/jobs", body: body, headers: headers)
            #expect(first.status == 201)
            let second = try await gateway.http.send("POST", "/v1/jobs", body: body, headers: headers)
            #expect(second.status == 201, "the first answer, replayed")
            #expect(second.json["id"] as? String == first.json["id"] as? String)
            #expect(second.header("Location") == first.header("Location"))
            #expect(try await gateway.counts("pay").pending == 1)
        }
    }

    @Test func sameKeyWithAnotherBodyIs422NamingTheHeader() async throws {
        try await TestGateway.with { gateway in
            let headers = ["Idempotency-Key": "order-43"]
            let first = try await gateway.http.send("POST", "/v1/jobs", body: #"{"type": "charge", "queue": "pay"}"#, headers: headers)
            #expect(first.status == 201)
            let other = try await gateway.http.send("POST", "/v1/jobs", body: #"{"type": "refund", "queue": "pay"}"#, headers: headers)
            #expect(other.status == 422, "\(other.text)")
            #expect(other.json["field"] as? String == "Idempotency-Key")
            #expect(try await gateway.counts("pay").pending == 1)
        }
    }

    @Test func keysAreTheirOwnKeySpaceNotUniqueKeys() async throws {
        try await TestGateway.with { gateway in
            // The header's value as a unique_key of another job does not match it, and vice versa.
            let keyed = try await gateway.http.send(
                "POST", "/v1/jobs", body: #"{"type": "a", "queue": "space"}"#, headers: ["Idempotency-Key": "shared"]
            )
            let unique = try await gateway.http.send("POST", "/v1/jobs", body: #"{"type": "a", "queue": "space", "unique_key": "shared"}"#)
            #expect(keyed.status == 201)
            #expect(unique.status == 201)
            #expect(keyed.json["id"] as? String != unique.json["id"] as? String)
            // unique_for_ms needs a unique_key in the body; the header does not stand in for one.
            let window = try await gateway.http.send(
                "POST", "/v1/jobs", body: #"{"type": "a", "unique_for_ms": 1000}"#, headers: ["Idempotency-Key": "w"]
            )
            #expect(window.status == 400)
            #expect(window.json["field"] as? String == "unique_for_ms")
        }
    }

    @Test func keysAreScopedByToken() async throws {
        try await TestGateway.with { gateway in
            let body = #"{"type": "a", "queue": "scoped"}"#
            let headers = ["Idempotency-Key": "k1"]
            let mine = try await gateway.http.send("POST", "/v1/jobs", body: body, headers: headers)
            let theirs = try await gateway.http.send("POST", "/v1/jobs", body: body, headers: headers, token: .some("other-token"))
            #expect(mine.status == 201)
            #expect(theirs.status == 201)
            #expect(mine.json["id"] as? String != theirs.json["id"] as? String)
        }
    }

    @Test func batchHonoursTheKey() async throws {
        try await TestGateway.with { gateway in
            let body = #"{"jobs": [{"type": "a", "queue": "bk"}, {"type": "b", "queue": "bk2"}]}"#
            let headers = ["Idempotency-Key": "batch-1"]
            let first = try await gateway.http.send("POST", "/v1/jobs/batch", body: body, headers: headers)
            let second = try await gateway.http.send("POST", "/v1/jobs/batch", body: body, headers: headers)
            #expect(first.status == 200)
            #expect(second.status == 200)
            #expect(second.text == first.text, "the first answer, replayed")
            #expect(try await gateway.counts("bk").pending == 1)
            #expect(try await gateway.counts("bk2").pending == 1)
            let other = try await gateway.http.send(
                "POST", "/v1/jobs/batch", body: #"{"jobs": [{"type": "a", "queue": "bk"}]}"#, headers: headers
            )
            #expect(other.status == 422)
            #expect(other.json["field"] as? String == "Idempotency-Key")
        }
    }

    @Test func malformedKeyIs400NamingTheHeader() async throws {
        try await TestGateway.with { gateway in
            for key in [String(repeating: "k", count: 257), "caf\u{e9}", "tab\tinside"] {
                let reply = try await gateway.http.send("POST", "/v1/jobs", body: #"{"type": "a", "queue": "bad-key"}"#, headers: ["Idempotency-Key": key])
                #expect(reply.status == 400, "\(key): \(reply.text)")
                #expect(reply.json["field"] as? String == "Idempotency-Key")
            }
            #expect(try await gateway.queues.queueNames().isEmpty)
        }
    }

    @Test func keysExpireAfterTheirWindow() async throws {
        try await TestGateway.with(configure: { $0.idempotencyWindowMs = 300 }) { gateway in
            let headers = ["Idempotency-Key": "short"]
            let first = try await gateway.http.send("POST", "/v1/jobs", body: #"{"type": "a", "queue": "exp"}"#, headers: headers)
            try await Task.sleep(for: .milliseconds(600))
            let later = try await gateway.http.send("POST", "/v1/jobs", body: #"{"type": "b", "queue": "exp"}"#, headers: headers)
            #expect(first.status == 201)
            #expect(later.status == 201, "the key expired, so another body is a new request")
            #expect(try await gateway.counts("exp").pending == 2)
        }
    }
}
