import ForgeCore
import ForgePostgres
import ForgeRedis
import Foundation
import Testing

@Suite struct HistoryTests {
    /// Runs every job of `queue` to completion and archives its events to Postgres, the way the
    /// scheduler's archiver does.
    private func completeAndArchive(_ gateway: TestGateway, _ queue: QueueName, count: Int) async throws {
        let leased = try await gateway.queues.lease(queue: queue, count: count, visibilityMs: 30_000, worker: "w")
        #expect(leased.count == count)
        _ = try await gateway.queues.complete(
            queue: queue,
            leased.map { Completion(id: $0.id, token: $0.token, result: #"{"ok":true}"#) }
        )
        while true {
            let batch = try await gateway.queues.readEvents(queue, count: 100)
            if batch.isEmpty { break }
            try await gateway.history.record(batch.events)
            try await gateway.queues.acknowledgeEvents(batch)
        }
    }

    @Test func searchPagesThroughHistory() async throws {
        try await TestGateway.with { gateway in
            let queue = try QueueName("hist")
            let reply = try await gateway.http.post(
                "/v1/jobs/batch",
                json: ["jobs": (0..<3).map { ["type": "h", "queue": "hist", "payload": ["n": $0]] }]
            )
            #expect(reply.status == 200)
            try await completeAndArchive(gateway, queue, count: 3)

            let first = try await gateway.http.get("/v1/jobs?queue=hist&state=completed&limit=2")
            #expect(first.status == 200, "\(first.text)")
            let page = try #require(first.json["jobs"] as? [[String: Any]])
            #expect(page.count == 2)
            #expect(page.allSatisfy { $0["state"] as? String == "completed" })
            #expect((page.first?["result"] as? [String: Any])?["ok"] as? Bool == true)
            let cursor = try #require(first.json["next_cursor"] as? String)

            let second = try await gateway.http.get("/v1/jobs?queue=hist&state=completed&limit=2&cursor=\(cursor)")
            let rest = try #require(second.json["jobs"] as? [[String: Any]])
            #expect(rest.count == 1)
            #expect(second.json["next_cursor"] is NSNull)
            let ids = Set((page + rest).compactMap { $0["id"] as? String })
            #expect(ids.count == 3)

            let none = try await gateway.http.get("/v1/jobs?queue=hist&state=dead")
            #expect((none.json["jobs"] as? [Any])?.isEmpty == true)
        }
    }

    /// A unique key outlives its holder's stay in Redis (finished jobs leave 5 s after history
    /// has them): a second enqueue answers with the holder's state from history, not `null`.
    @Test func aUniqueKeysHolderThatLeftRedisAnswersWithItsStateFromHistory() async throws {
        try await TestGateway.with { gateway in
            let queue = try QueueName("uniq-gone")
            let body: [String: Any] = ["type": "u", "queue": "uniq-gone", "unique_key": "k", "unique_for_ms": 600_000]
            let first = try await gateway.http.post("/v1/jobs", json: body)
            let id = try #require(first.json["id"] as? String)
            try await completeAndArchive(gateway, queue, count: 1)
            _ = try await gateway.redis.command(["DEL", gateway.keys.queue(queue).job(try JobID(id))])

            let again = try await gateway.http.post("/v1/jobs", json: body)
            #expect(again.status == 200)
            #expect(again.json["id"] as? String == id)
            #expect(again.json["state"] as? String == "completed")
            let batch = try await gateway.http.post("/v1/jobs/batch", json: ["jobs": [body]])
            let item = try #require((batch.json["results"] as? [[String: Any]])?.first)
            #expect(item["id"] as? String == id)
            #expect(item["state"] as? String == "completed")
        }
    }

    @Test func jobIsReadFromPostgresOnceRedisForgotIt() async throws {
        try await TestGateway.with { gateway in
            let queue = try QueueName("gone")
            let id = try #require(try await gateway.http.post("/v1/jobs", json: ["type": "g", "queue": "gone"]).json["id"] as? String)
            try await completeAndArchive(gateway, queue, count: 1)
            _ = try await gateway.redis.command(["DEL", gateway.keys.queue(queue).job(try JobID(id))])

            let reply = try await gateway.http.get("/v1/jobs/\(id)")
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.json["state"] as? String == "completed")
            #expect(reply.json["finished_at"] is String)
            #expect(reply.json["errors"] as? [Any] != nil)

            // History knows it finished, so a cancel is a conflict, not "unknown".
            #expect(try await gateway.http.send("POST", "/v1/jobs/\(id)/cancel").status == 409)
        }
    }

    @Test func aSearchPastItsTimeoutIsA503ProblemAndTheNextSearchWorks() async throws {
        try await TestGateway.with(searchTimeoutMs: 200) { gateway in
            let locker = try PostgresConnection(configuration: gateway.history.client.configuration)
            try locker.execute("BEGIN; LOCK TABLE jobs IN ACCESS EXCLUSIVE MODE")
            let slow = try await gateway.http.get("/v1/jobs?type=anything")
            try locker.execute("ROLLBACK")
            #expect(slow.status == 503, "\(slow.text)")
            #expect(slow.json["type"] as? String == "urn:forge:problem:search-timeout")
            #expect((slow.json["detail"] as? String)?.contains("200 ms") == true, "\(slow.text)")
            #expect(slow.header("Content-Type")?.contains("application/problem+json") == true)

            let next = try await gateway.http.get("/v1/jobs?type=anything")
            #expect(next.status == 200, "\(next.text)")
        }
    }
}
