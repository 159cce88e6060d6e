import ForgeCore
import ForgeGateway
import ForgeObservability
import ForgeRedis
import Foundation
import Testing

/// The lease API (`/v1/queues/{queue}/lease`, `/v1/jobs/{id}/ack|fail|heartbeat` and the batch
/// forms): a worker in any language runs jobs under the Swift worker's fencing rules.
@Suite struct LeaseAPITests {
    @Test func aLeasedJobIsAckedOnceAndAStaleTokenChangesNothing() async throws {
        try await TestGateway.with { gateway in
            let id = try await enqueue(gateway, "mail", payload: #"{"to": "a@example.com", "n": 1.50}"#)
            let job = try await leaseOne(gateway, "mail")
            #expect(job["id"] as? String == id)
            #expect(job["attempt"] as? Int == 1)
            #expect(job["type"] as? String == "send")
            let raw = try await gateway.http.post("/v1/queues/mail/lease", json: [:])
            #expect(raw.status == 200 && (raw.json["jobs"] as? [Any])?.isEmpty == true, "nothing left: \(raw.text)")
            let token = try #require(job["token"] as? String)

            // Another fence, and text never issued: 409 naming the token, and the job stays active.
            let forged = "9" + token
            for bad in [forged, "not-a-token"] {
                let refused = try await gateway.http.post("/v1/jobs/\(id)/ack", json: ["token": bad])
                #expect(refused.status == 409, "\(refused.text)")
                #expect(refused.json["type"] as? String == "urn:forge:problem:stale-lease")
                #expect(refused.json["field"] as? String == "token")
            }
            #expect(try await gateway.counts("mail").active == 1)

            let acked = try await gateway.http.post("/v1/jobs/\(id)/ack", json: ["token": token, "result": ["sent": true]])
            #expect(acked.status == 200, "\(acked.text)")
            #expect(acked.json["state"] as? String == "completed")
            let metrics = String(decoding: gateway.metrics.render(), as: UTF8.self)
            #expect(metrics.contains(#"forge_jobs_completed_total{queue="mail",type="send"} 1"#), "\(metrics)")
            #expect(metrics.contains(#"forge_remote_leased_total{queue="mail"} 1"#))
            #expect(metrics.contains(#"forge_jobs_failed_total{queue="mail",type="send",reason="lease_lost"} 1"#))
            // A repeat after a lost answer answers as the first did, and is not a second completion.
            #expect(try await gateway.http.post("/v1/jobs/\(id)/ack", json: ["token": token]).status == 200)
            let batchRepeat = try await gateway.http.post("/v1/jobs/ack", json: ["acks": [["id": id, "token": token]]])
            #expect(batchRepeat.status == 200, "\(batchRepeat.text)")
            let after = String(decoding: gateway.metrics.render(), as: UTF8.self)
            #expect(after.contains(#"forge_jobs_completed_total{queue="mail",type="send"} 1"#), "\(after)")
            let stored = try await gateway.http.get("/v1/jobs/\(id)")
            #expect(stored.json["state"] as? String == "completed")
            #expect((stored.json["result"] as? [String: Bool]) == ["sent": true], "\(stored.text)")
            // Too late to fail it, or to heartbeat it.
            #expect(try await gateway.http.post("/v1/jobs/\(id)/fail", json: ["token": token, "error": "x"]).status == 409)
            #expect(try await gateway.http.post("/v1/jobs/\(id)/heartbeat", json: ["token": token]).status == 409)
        }
    }

    @Test func theLeasedPayloadIsTheEnqueuedTextByteForByte() async throws {
        try await TestGateway.with { gateway in
            let payload = #"{"b":1e3,"a":[1.0,"\u00e9"],"z":null}"#
            let id = try await enqueue(gateway, "bytes", payload: payload)
            let reply = try await gateway.http.post("/v1/queues/bytes/lease", json: ["count": 1])
            #expect(reply.text.contains(#""payload":\#(payload)"#), "\(reply.text)")
            #expect(reply.text.contains(id))
        }
    }

    @Test func aFailedAttemptRetriesByItsBackoffThenGoesDead() async throws {
        try await TestGateway.with { gateway in
            let id = try await enqueue(gateway, "flaky", payload: "{}", extra: ["max_attempts": 2])
            let first = try await leaseOne(gateway, "flaky")
            let before = WallClock.nowMilliseconds()
            let retried = try await gateway.http.post("/v1/jobs/\(id)/fail", json: ["token": first["token"]!, "error": "smtp 451"])
            #expect(retried.status == 200, "\(retried.text)")
            #expect(retried.json["state"] as? String == "retrying")
            // The job's backoff decides: the standard one waits about a second after attempt 1.
            let retryAt = try #require((retried.json["retry_at"] as? String).flatMap(parseTime))
            #expect(retryAt > before && retryAt < before + 10_000, "\(retried.text)")

            try await eventually("the retry is due") {
                _ = try await gateway.queues.promoteDue(try QueueName("flaky"))
                return try await gateway.counts("flaky").pending == 1
            }
            let second = try await leaseOne(gateway, "flaky")
            #expect(second["attempt"] as? Int == 2)
            // The first attempt's token is spent.
            #expect(try await gateway.http.post("/v1/jobs/\(id)/ack", json: ["token": first["token"]!]).status == 409)
            let dead = try await gateway.http.post(
                "/v1/jobs/\(id)/fail",
                json: ["token": second["token"]!, "error": "smtp 550", "retry_in_ms": 0]
            )
            #expect(dead.json["state"] as? String == "dead", "\(dead.text)")
            #expect(dead.json["retry_at"] is NSNull)
            #expect(try await gateway.counts("flaky").dead == 1)

            // Not retryable: dead at once whatever the attempts left.
            let other = try await enqueue(gateway, "flaky", payload: "{}", extra: ["max_attempts": 5])
            let leased = try await leaseOne(gateway, "flaky")
            let permanent = try await gateway.http.post(
                "/v1/jobs/\(other)/fail",
                json: ["token": leased["token"]!, "error": "bad address", "retryable": false]
            )
            #expect(permanent.json["state"] as? String == "dead", "\(permanent.text)")
            // A repeat after a lost answer answers as the first did, and is not a second failure.
            let again = try await gateway.http.post(
                "/v1/jobs/\(other)/fail",
                json: ["token": leased["token"]!, "error": "bad address", "retryable": false]
            )
            #expect(again.json["state"] as? String == "dead", "\(again.text)")
            let metrics = String(decoding: gateway.metrics.render(), as: UTF8.self)
            #expect(metrics.contains(#"forge_jobs_dead_total{queue="flaky"} 2"#), "\(metrics)")
            #expect(metrics.contains(#"forge_jobs_retried_total{queue="flaky"} 1"#))
        }
    }

    @Test func aHeartbeatExtendsTheLeaseAndReportsACancel() async throws {
        try await TestGateway.with { gateway in
            let id = try await enqueue(gateway, "long", payload: "{}")
            let reply = try await gateway.http.post("/v1/queues/long/lease", json: ["visibility_ms": 1_000])
            let job = try #require((reply.json["jobs"] as? [[String: Any]])?.first)
            let deadline = try #require((job["deadline"] as? String).flatMap(parseTime))
            let beat = try await gateway.http.post("/v1/jobs/\(id)/heartbeat", json: ["token": job["token"]!, "extend_ms": 60_000])
            #expect(beat.status == 200, "\(beat.text)")
            #expect(beat.json["cancel_requested"] as? Bool == false)
            let extended = try #require((beat.json["deadline"] as? String).flatMap(parseTime))
            #expect(extended > deadline + 30_000)

            #expect(try await gateway.http.post("/v1/jobs/\(id)/cancel", json: [:]).status == 202)
            let told = try await gateway.http.post("/v1/jobs/\(id)/heartbeat", json: ["token": job["token"]!])
            #expect(told.status == 200, "\(told.text)")
            #expect(told.json["cancel_requested"] as? Bool == true)
            #expect(told.json["state"] as? String == "canceled")
            #expect(try await gateway.http.post("/v1/jobs/\(id)/ack", json: ["token": job["token"]!]).status == 409)
            #expect(try await gateway.http.get("/v1/jobs/\(id)").json["state"] as? String == "canceled")
        }
    }

    @Test func aLeaseAbandonedByItsWorkerComesBackAfterItsVisibility() async throws {
        try await TestGateway.with { gateway in
            let id = try await enqueue(gateway, "lost", payload: "{}")
            let reply = try await gateway.http.post("/v1/queues/lost/lease", json: ["visibility_ms": 300])
            let first = try #require((reply.json["jobs"] as? [[String: Any]])?.first)
            try await Task.sleep(for: .milliseconds(400))
            _ = try await gateway.queues.reclaimExpired(try QueueName("lost"))
            let second = try await leaseOne(gateway, "lost")
            #expect(second["id"] as? String == id)
            #expect(second["attempt"] as? Int == 2)
            #expect(try await gateway.http.post("/v1/jobs/\(id)/ack", json: ["token": first["token"]!]).status == 409)
            #expect(try await gateway.http.post("/v1/jobs/\(id)/ack", json: ["token": second["token"]!]).status == 200)
        }
    }

    @Test func aWaitingLeaseIsWokenByAnEnqueueAndAnEmptyOneEndsAtItsWait() async throws {
        try await TestGateway.with { gateway in
            let started = ContinuousClock.now
            let empty = try await gateway.http.post("/v1/queues/idle/lease", json: ["wait_ms": 300])
            #expect(empty.status == 200 && (empty.json["jobs"] as? [Any])?.isEmpty == true, "\(empty.text)")
            #expect(ContinuousClock.now - started >= .milliseconds(300))

            // Two waiting on different queues: each gets its own queue's job, long before its wait.
            async let waitingA = gateway.http.post("/v1/queues/wake-a/lease", json: ["wait_ms": 20_000])
            async let waitingB = gateway.http.post("/v1/queues/wake-b/lease", json: ["wait_ms": 20_000, "count": 5])
            try await eventually("both wait") { gateway.waitingLeases == 2 }
            let enqueuedAt = ContinuousClock.now
            let b = try await enqueue(gateway, "wake-b", payload: "{}")
            let a = try await enqueue(gateway, "wake-a", payload: "{}")
            let (replyA, replyB) = try await (waitingA, waitingB)
            #expect(ContinuousClock.now - enqueuedAt < .seconds(10), "woken by the enqueue, not at the end of the wait")
            #expect((replyA.json["jobs"] as? [[String: Any]])?.map { $0["id"] as? String } == [a], "\(replyA.text)")
            #expect((replyB.json["jobs"] as? [[String: Any]])?.map { $0["id"] as? String } == [b], "\(replyB.text)")
            #expect(gateway.waitingLeases == 0)
        }
    }

    /// `FORGE_MAX_LEASE_WAIT_MS` (below a proxy's idle timeout) cuts every longer wait: the
    /// request is answered, empty, at the cap.
    @Test func aWaitLongerThanTheGatewaysCapEndsAtTheCap() async throws {
        try await TestGateway.with(configure: .set { $0.maxLeaseWaitMs = 300 }) { gateway in
            let started = ContinuousClock.now
            let reply = try await gateway.http.post("/v1/queues/capped/lease", json: ["wait_ms": 20_000])
            let waited = ContinuousClock.now - started
            #expect(reply.status == 200 && (reply.json["jobs"] as? [Any])?.isEmpty == true, "\(reply.text)")
            #expect(waited >= .milliseconds(300) && waited < .seconds(10), "waited \(waited)")
        }
    }

    @Test func waitingLeasesBeyondTheLimitAreRefusedWith503() async throws {
        try await TestGateway.with(configure: .set { $0.maxLeaseWaiters = 1 }) { gateway in
            async let first = gateway.http.post("/v1/queues/busy/lease", json: ["wait_ms": 20_000])
            try await eventually("one waits") { gateway.waitingLeases == 1 }
            let refused = try await gateway.http.post("/v1/queues/busy/lease", json: ["wait_ms": 3_000])
            #expect(refused.status == 503, "\(refused.text)")
            #expect(refused.json["type"] as? String == "urn:forge:problem:lease-waiters")
            #expect(refused.header("Retry-After") == "1")
            // Without a wait it is answered at once, limit or not.
            #expect(try await gateway.http.post("/v1/queues/busy/lease", json: [:]).status == 200)
            _ = try await enqueue(gateway, "busy", payload: "{}")
            #expect((try await first.json["jobs"] as? [Any])?.count == 1)
        }
    }

    @Test func batchAckAndHeartbeatAnswerEachItemInPlace() async throws {
        try await TestGateway.with { gateway in
            var ids: [String] = []
            for _ in 0..<3 { ids.append(try await enqueue(gateway, "bulk-a", payload: "{}")) }
            ids.append(try await enqueue(gateway, "bulk-b", payload: "{}"))
            let a = try await gateway.http.post("/v1/queues/bulk-a/lease", json: ["count": 10])
            let b = try await gateway.http.post("/v1/queues/bulk-b/lease", json: ["count": 10])
            let jobs = (a.json["jobs"] as? [[String: Any]] ?? []) + (b.json["jobs"] as? [[String: Any]] ?? [])
            #expect(jobs.count == 4, "\(a.text) \(b.text)")
            let leases = jobs.map { ["id": $0["id"]!, "token": $0["token"]!] }

            let beat = try await gateway.http.post(
                "/v1/jobs/heartbeat",
                json: ["leases": leases + [["id": ids[0], "token": "forged"]], "extend_ms": 60_000]
            )
            #expect(beat.status == 200, "\(beat.text)")
            let beats = beat.json["results"] as? [[String: Any]] ?? []
            #expect(beats.count == 5)
            #expect(beats.prefix(4).allSatisfy { $0["state"] as? String == "active" && $0["deadline"] is String }, "\(beat.text)")
            #expect((beats.last?["error"] as? [String: Any])?["status"] as? Int == 409)

            let acks = leases.enumerated().map { index, lease in lease.merging(["result": index]) { $1 } }
            let acked = try await gateway.http.post("/v1/jobs/ack", json: ["acks": [["id": ids[1], "token": "999999:2:bulk-a:send"]] + acks])
            #expect(acked.status == 200, "\(acked.text)")
            let results = acked.json["results"] as? [[String: Any]] ?? []
            #expect(results.map { $0["id"] as? String } == [ids[1]] + jobs.map { $0["id"] as? String })
            #expect((results.first?["error"] as? [String: Any])?["type"] as? String == "urn:forge:problem:stale-lease", "\(acked.text)")
            #expect(results.dropFirst().allSatisfy { $0["state"] as? String == "completed" }, "\(acked.text)")
            #expect(try await gateway.counts("bulk-a").active == 0)
            #expect(try await gateway.counts("bulk-b").active == 0)
        }
    }

    @Test func badLeaseRequestsNameTheField() async throws {
        try await TestGateway.with { gateway in
            let id = JobID.generate().rawValue
            let cases: [(String, Any, String)] = [
                ("/v1/queues/q/lease", ["count": 0], "count"),
                ("/v1/queues/q/lease", ["count": 1001], "count"),
                ("/v1/queues/q/lease", ["wait_ms": 30_001], "wait_ms"),
                ("/v1/queues/q/lease", ["visibility_ms": 10], "visibility_ms"),
                ("/v1/queues/q/lease", ["worker": "a b"], "worker"),
                ("/v1/queues/q/lease", ["colour": 1], "colour"),
                ("/v1/queues/Q!/lease", [:], "queue"),
                ("/v1/jobs/\(id)/ack", [:], "token"),
                ("/v1/jobs/\(id)/fail", ["token": "1:2:q:t"], "error"),
                ("/v1/jobs/\(id)/fail", ["token": "1:2:q:t", "error": "x", "retry_in_ms": -1], "retry_in_ms"),
                ("/v1/jobs/\(id)/heartbeat", ["token": "1:2:q:t", "extend_ms": 0], "extend_ms"),
                ("/v1/jobs/ack", ["acks": []], "acks"),
                ("/v1/jobs/ack", ["acks": [["id": id, "token": "t"], ["id": "nope", "token": "t"]]], "acks[1].id"),
                ("/v1/jobs/heartbeat", ["leases": [["id": id]]], "leases[0].token"),
            ]
            for (path, body, field) in cases {
                let reply = try await gateway.http.post(path, json: body)
                #expect(reply.status == 400, "\(path) \(body): \(reply.text)")
                #expect(reply.json["field"] as? String == field, "\(path) \(body): \(reply.text)")
            }
            let nul = try await gateway.http.send("POST", "/v1/jobs/\(id)/ack", body: #"{"token": "1:2:q:t", "result": "a\u0000"}"#)
            #expect(nul.status == 422 && nul.json["field"] as? String == "result", "\(nul.text)")
        }
    }

    @Test func leaseRequestsCountAgainstTheRateLimit() async throws {
        let limited = ConfigurationChange.set {
            $0.rateLimitPerSecond = 0.1
            $0.rateLimitBurst = 2
        }
        try await TestGateway.with(configure: limited) { gateway in
            #expect(try await gateway.http.post("/v1/queues/limited/lease", json: [:]).status == 200)
            #expect(try await gateway.http.post("/v1/jobs/ack", json: ["acks": [["id": JobID.generate().rawValue, "token": "t"]]]).status == 200)
            let refused = try await gateway.http.post("/v1/queues/limited/lease", json: [:])
            #expect(refused.status == 429, "\(refused.text)")
        }
    }

    // MARK: - Helpers

    private func enqueue(_ gateway: TestGateway, _ queue: String, payload: String, extra: [String: Any] = [:]) async throws -> String {
        var body = ["type": "send", "queue": queue] as [String: Any]
        body.merge(extra) { $1 }
        var text = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
        text.removeLast()
        let reply = try await gateway.http.send("POST", "/v1/jobs", body: text + #","payload":\#(payload)}"#)
        #expect(reply.status == 201, "\(reply.text)")
        return try #require(reply.json["id"] as? String)
    }

    private func leaseOne(_ gateway: TestGateway, _ queue: String) async throws -> [String: Any] {
        let reply = try await gateway.http.post("/v1/queues/\(queue)/lease", json: ["count": 1])
        #expect(reply.status == 200, "\(reply.text)")
        return try #require((reply.json["jobs"] as? [[String: Any]])?.first, "\(reply.text)")
    }

    private func parseTime(_ text: String) -> Int64? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let date = formatter.date(from: text) ?? ISO8601DateFormatter().date(from: text)
        return date.map { Int64($0.timeIntervalSince1970 * 1000) }
    }
}
