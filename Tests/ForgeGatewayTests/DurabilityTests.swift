import ForgeCore
import ForgeGateway
import ForgeObservability
import ForgePostgres
import ForgeRedis
import ForgeScheduler
import ForgeTestSupport
import Foundation
import Testing

/// `FORGE_DURABILITY=postgres`: the gateway answers an enqueue only once the job's history row is
/// committed, so a Redis that loses the job cannot lose it for good; a job Redis refuses leaves
/// no row behind; and with Postgres down nothing is accepted.
@Suite struct DurabilityTests {
    @Test func theRowIsCommittedBeforeTheAnswerAndSurvivesRedisLosingTheJob() async throws {
        try await TestGateway.with(durablePostgresURL: TestGateway.postgresURL) { gateway in
            let one = try await gateway.http.send(
                "POST",
                "/v1/jobs",
                body: #"{"type": "mail", "queue": "durable", "payload": {"to": "a"}, "timeout_ms": 1234, "delay_ms": 600000}"#
            )
            #expect(one.status == 201, "\(one.text)")
            let id = try JobID(try #require(one.json["id"] as? String))
            // No archiver runs here: the row is the gateway's own.
            let row = try #require(try await gateway.history.job(id))
            #expect(row.state == .scheduled)
            #expect(row.payload == #"{"to": "a"}"#)
            let batch = try await gateway.http.post(
                "/v1/jobs/batch",
                json: ["jobs": (0..<50).map { ["type": "mail", "queue": "durable", "payload": ["n": $0]] }]
            )
            let ids = try (batch.json["results"] as? [[String: Any]] ?? []).map { try JobID($0["id"] as? String ?? "") }
            #expect(ids.count == 50)
            for id in ids { #expect(try await gateway.history.job(id)?.state == .pending) }

            // Redis loses everything; history gives every job back, as it was.
            await gateway.redis.deleteKeys(of: gateway.keys.namespace)
            let outcome = try await JobRecovery(queues: gateway.queues, history: gateway.history, metrics: ForgeMetrics()).run()
            #expect(outcome.restored == 51)
            let counts = try await gateway.counts("durable")
            #expect(counts.pending == 50 && counts.scheduled == 1, "\(counts)")
            let leased = try await gateway.queues.lease(queue: try QueueName("durable"), count: 100, visibilityMs: 30_000, worker: "w")
            #expect(leased.map(\.id) == ids, "in the order they were accepted")
        }
    }

    @Test func aJobRedisDoesNotCreateLeavesNoRow() async throws {
        try await TestGateway.with(configure: .set { $0.maxQueues = 1 }, durablePostgresURL: TestGateway.postgresURL) { gateway in
            let first = try await gateway.http.send("POST", "/v1/jobs", body: #"{"type": "a", "queue": "only", "unique_key": "k1"}"#)
            #expect(first.status == 201)
            let again = try await gateway.http.send("POST", "/v1/jobs", body: #"{"type": "a", "queue": "only", "unique_key": "k1"}"#)
            #expect(again.status == 200)
            #expect(again.json["id"] as? String == first.json["id"] as? String)
            let refused = try await gateway.http.send("POST", "/v1/jobs", body: #"{"type": "a", "queue": "second"}"#)
            #expect(refused.status == 422, "\(refused.text)")
            let batch = try await gateway.http.post(
                "/v1/jobs/batch",
                json: [
                    "jobs": [["type": "a", "queue": "only", "unique_key": "k1"], ["type": "a", "queue": "second"], ["type": "a", "queue": "only"]]
                ]
            )
            #expect(batch.status == 200, "\(batch.text)")
            // Rows: the first job and the batch's new one; none for the holder's twins or the refused.
            let rows = try await gateway.history.client.query("SELECT queue FROM jobs ORDER BY queue")
            #expect(rows.rows.map { $0[0] } == ["only", "only"], "\(rows.rows)")
        }
    }

    @Test func withPostgresDownNothingIsAccepted() async throws {
        let closed = "postgres://forge@127.0.0.1:\(try freeLoopbackPort())/forge?connect_timeout=1"
        try await TestGateway.with(durablePostgresURL: closed) { gateway in
            let refused = try await gateway.http.send("POST", "/v1/jobs", body: #"{"type": "a", "queue": "dark"}"#)
            #expect(refused.status == 503, "\(refused.text)")
            let batch = try await gateway.http.post("/v1/jobs/batch", json: ["jobs": [["type": "a", "queue": "dark"]]])
            #expect(batch.status == 503, "\(batch.text)")
            #expect(try await gateway.queues.queueNames().isEmpty, "Redis got nothing")
        }
    }
}
