import Foundation
import Testing

@Suite struct OutageTests {
    @Test func redisDownIs503ProblemAndNotReady() async throws {
        // Nothing listens on port 1: every Redis call fails to connect at once.
        try await TestGateway.with(redisURL: "redis://127.0.0.1:1") { gateway in
            let start = ContinuousClock.now
            let reply = try await gateway.http.post("/v1/jobs", json: ["type": "a"])
            #expect(reply.status == 503)
            #expect(reply.header("Retry-After") == "1")
            #expect(reply.header("Content-Type") == "application/problem+json")
            #expect(reply.json["status"] as? Int == 503)
            #expect(!reply.text.contains("127.0.0.1"), "the problem must not leak connection details")
            #expect(ContinuousClock.now - start < .seconds(10))

            #expect(try await gateway.http.get("/v1/queues").status == 503)
            let ready = try await gateway.http.get("/readyz", token: .some(nil))
            #expect(ready.status == 503)
            #expect(try await gateway.http.get("/livez", token: .some(nil)).status == 200)

            let metrics = try await gateway.http.get("/metrics", token: .some(nil)).text
            #expect(metrics.contains("forge_redis_errors_total 2"))
        }
    }
}
