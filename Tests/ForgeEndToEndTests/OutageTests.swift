import ForgeTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension EndToEndTests {
    /// Redis goes away under a running gateway and worker: requests fail fast with 503 and
    /// /readyz reports it; when Redis returns, both recover without a restart.
    @Test func servicesRecoverWhenRedisComesBack() async throws {
        let redis = try PrivateRedis()
        try redis.start()
        defer { redis.stop() }
        try await withStack(schedulers: [], workers: [[]], redisURL: redis.url) { stack in
            try await stack.waitUntil("redis up", timeout: 10) {
                (try? await stack.request("GET", "/readyz").status) == 200
            }
            _ = try await stack.waitForState(try await stack.enqueue(["type": "noop"]), "completed")

            redis.stop()
            let started = Date()
            let refused = try await stack.request("POST", "/v1/jobs", json: ["type": "noop"])
            #expect(refused.status == 503)
            #expect(refused.headers["content-type"]?.contains("application/problem+json") == true)
            #expect(Date().timeIntervalSince(started) < 5)
            // Readiness results live about a second (probes must not compete with requests).
            try await stack.waitUntil("readyz reports Redis down", timeout: 5) {
                (try? await stack.request("GET", "/readyz").status) == 503
            }
            #expect(try await stack.request("GET", "/livez").status == 200)

            try redis.start()
            try await stack.waitUntil("gateway ready again", timeout: 20) {
                (try? await stack.request("GET", "/readyz").status) == 200
            }
            let id = try await stack.enqueue(["type": "noop"])
            // The worker reconnects on its own too.
            _ = try await stack.waitForState(id, "completed", timeout: 20)
        }
    }
}
