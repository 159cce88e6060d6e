import ForgeCore
import ForgeGateway
import ForgeRedis
import ForgeTestSupport
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
                "POST",
                "/v1/jobs",
                body: #"{"type": "a", "queue": "space"}"#,
                headers: ["Idempotency-Key": "shared"]
            )
            let unique = try await gateway.http.send("POST", "/v1/jobs", body: #"{"type": "a", "queue": "space", "unique_key": "shared"}"#)
            #expect(keyed.status == 201)
            #expect(unique.status == 201)
            #expect(keyed.json["id"] as? String != unique.json["id"] as? String)
            // unique_for_ms needs a unique_key in the body; the header does not stand in for one.
            let window = try await gateway.http.send(
                "POST",
                "/v1/jobs",
                body: #"{"type": "a", "unique_for_ms": 1000}"#,
                headers: ["Idempotency-Key": "w"]
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
                "POST",
                "/v1/jobs/batch",
                body: #"{"jobs": [{"type": "a", "queue": "bk"}]}"#,
                headers: headers
            )
            #expect(other.status == 422)
            #expect(other.json["field"] as? String == "Idempotency-Key")
        }
    }

    @Test func malformedKeyIs400NamingTheHeader() async throws {
        try await TestGateway.with { gateway in
            for key in [String(repeating: "k", count: 257), "caf\u{e9}", "tab\tinside"] {
                let reply = try await gateway.http.send(
                    "POST",
                    "/v1/jobs",
                    body: #"{"type": "a", "queue": "bad-key"}"#,
                    headers: ["Idempotency-Key": key]
                )
                #expect(reply.status == 400, "\(key): \(reply.text)")
                #expect(reply.json["field"] as? String == "Idempotency-Key")
            }
            #expect(try await gateway.queues.queueNames().isEmpty)
        }
    }

    @Test func keysExpireAfterTheirWindow() async throws {
        try await TestGateway.with(configure: .set { $0.idempotencyWindowMs = 300 }) { gateway in
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

/// Issue 17, items 1, 9 and 12: a repeat never runs a finished job again, answers as the first
/// request did, is scoped by the token whatever the casing of `Bearer`, and a refused request
/// leaves its key free.
@Suite struct IdempotencyRepeatTests {
    static let headers = ["Idempotency-Key": "order-44"]

    /// The job ran, finished and left Redis (as after `FORGE_FINISHED_TTL_MS`); the repeat used
    /// to create and run it a second time.
    @Test func aRepeatAfterTheJobLeftRedisRunsNothingAgain() async throws {
        try await TestGateway.with { gateway in
            let body = #"{"type": "charge", "queue": "gone"}"#
            let first = try await gateway.http.send("POST", "/v1/jobs", body: body, headers: Self.headers)
            #expect(first.status == 201)
            #expect(first.json["state"] as? String == "pending")
            let id = try JobID(try #require(first.json["id"] as? String))
            let queue = try QueueName("gone")
            let leased = try await gateway.queues.lease(queue: queue, count: 1, visibilityMs: 30_000, worker: "w")
            #expect(leased.map(\.id) == [id])
            _ = try await gateway.queues.complete(queue: queue, [Completion(id: id, token: leased[0].token)])
            _ = try await gateway.redis.command(["DEL", gateway.keys.queue(queue).job(id)])

            let repeated = try await gateway.http.send("POST", "/v1/jobs", body: body, headers: Self.headers)
            #expect(repeated.status == 201, "the first answer: \(repeated.text)")
            #expect(repeated.json["id"] as? String == id.rawValue)
            #expect(repeated.json["state"] as? String == "pending", "the first answer's state")
            #expect(try await gateway.counts("gone").pending == 0, "nothing runs again")
            #expect(try await gateway.queues.job(id) == nil)
        }
    }

    /// A canceled job that left Redis used to be created again by a repeat.
    @Test func aRepeatDoesNotReviveACanceledJob() async throws {
        try await TestGateway.with { gateway in
            let body = #"{"type": "charge", "queue": "undone", "delay_ms": 60000}"#
            let first = try await gateway.http.send("POST", "/v1/jobs", body: body, headers: Self.headers)
            #expect(first.status == 201)
            #expect(first.json["state"] as? String == "scheduled")
            let id = try JobID(try #require(first.json["id"] as? String))
            #expect(try await gateway.queues.cancel(id) == .canceled)
            let repeatedWhileKnown = try await gateway.http.send("POST", "/v1/jobs", body: body, headers: Self.headers)
            #expect(repeatedWhileKnown.status == 201)
            #expect(repeatedWhileKnown.json["state"] as? String == "scheduled", "the first answer, not the job's state now")
            _ = try await gateway.redis.command(["DEL", gateway.keys.queue(try QueueName("undone")).job(id)])
            let repeated = try await gateway.http.send("POST", "/v1/jobs", body: body, headers: Self.headers)
            #expect(repeated.status == 201)
            #expect(repeated.json["id"] as? String == id.rawValue)
            #expect(try await gateway.counts("undone").scheduled == 0)
            #expect(try await gateway.queues.job(id) == nil)
        }
    }

    /// Concurrent identical requests: whichever reaches Redis first creates the job, and every
    /// one of them answers as the first request does (201, the same id).
    @Test func concurrentRepeatsAllAnswerAsTheFirst() async throws {
        try await TestGateway.with { gateway in
            let body = #"{"type": "charge", "queue": "race"}"#
            let replies = try await withThrowingTaskGroup(of: HTTPClient.Reply.self) { group in
                for _ in 0..<16 {
                    group.addTask { try await gateway.http.send("POST", "/v1/jobs", body: body, headers: Self.headers) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(replies.map(\.status) == Array(repeating: 201, count: 16))
            #expect(Set(replies.compactMap { $0.json["id"] as? String }).count == 1)
            #expect(try await gateway.counts("race").pending == 1)
        }
    }

    /// The scope is the token: `Bearer`, `bearer` and `BEARER` with the same token share keys.
    @Test func theSchemeCasingDoesNotSplitTheScope() async throws {
        try await TestGateway.with { gateway in
            let first = try await gateway.http.send(
                "POST",
                "/v1/jobs",
                body: #"{"type": "a", "queue": "casing"}"#,
                headers: Self.headers.merging(["Authorization": "Bearer \(TestGateway.token)"]) { $1 }
            )
            #expect(first.status == 201)
            for scheme in ["bearer", "BEARER", "BeArEr"] {
                let other = try await gateway.http.send(
                    "POST",
                    "/v1/jobs",
                    body: #"{"type": "b", "queue": "casing"}"#,
                    headers: Self.headers.merging(["Authorization": "\(scheme) \(TestGateway.token)"]) { $1 }
                )
                #expect(other.status == 422, "\(scheme): \(other.text)")
            }
            #expect(try await gateway.counts("casing").pending == 1)
        }
    }

    /// A request refused as a whole (back-pressure 503, queue limit 422) created nothing, so its
    /// key is not kept: the client may send another request with it.
    @Test func aRefusedRequestLeavesItsKeyFree() async throws {
        try await TestGateway.with(configure: .set { $0.maxQueues = 1 }) { gateway in
            #expect(try await gateway.http.send("POST", "/v1/jobs", body: #"{"type": "a", "queue": "first"}"#).status == 201)
            let overLimit = try await gateway.http.send(
                "POST",
                "/v1/jobs",
                body: #"{"type": "a", "queue": "second"}"#,
                headers: Self.headers
            )
            #expect(overLimit.status == 422)
            let pressed = try QueueName("first")
            _ = try await gateway.redis.command(["SET", gateway.keys.queue(pressed).backpressure, "1"])
            let underPressure = try await gateway.http.send(
                "POST",
                "/v1/jobs/batch",
                body: #"{"jobs": [{"type": "a", "queue": "first"}]}"#,
                headers: Self.headers
            )
            #expect(underPressure.status == 503)
            _ = try await gateway.redis.command(["DEL", gateway.keys.queue(pressed).backpressure])
            let accepted = try await gateway.http.send(
                "POST",
                "/v1/jobs",
                body: #"{"type": "b", "queue": "first"}"#,
                headers: Self.headers
            )
            #expect(accepted.status == 201, "the key was never used for a request that created something: \(accepted.text)")
            let keys = try await gateway.redis.keys(matching: "\(gateway.keys.namespace):idempotency:*")
            #expect(keys.count == 1, "only the accepted request's key is kept")
        }
    }
}
