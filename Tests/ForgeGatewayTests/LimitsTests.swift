import ForgeCore
import ForgeGateway
import ForgeRedis
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The limits that keep one client from hurting others: per-token rate limit, payload size,
/// JSON nesting depth, header size and idle connections.
@Suite struct LimitsTests {
    @Test func aTokenPastItsRateLimitGets429WithRetryAfter() async throws {
        // A refill of one request per 100 s: a slow machine cannot refill the bucket mid-test.
        try await TestGateway.with(
            configure: .set {
                $0.rateLimitPerSecond = 0.01
                $0.rateLimitBurst = 3
            }
        ) { gateway in
            var statuses: [Int] = []
            for _ in 0..<4 { statuses.append(try await gateway.http.get("/v1/queues").status) }
            #expect(statuses == [200, 200, 200, 429])
            let limited = try await gateway.http.get("/v1/queues")
            #expect(limited.status == 429)
            #expect((limited.header("Retry-After").flatMap { Int($0) } ?? 0) >= 1)
            #expect(limited.header("Content-Type") == "application/problem+json")
            // Another token has a bucket of its own; probes are never limited.
            #expect(try await gateway.http.get("/v1/queues", token: .some("other-token")).status != 429)
            #expect(try await gateway.http.get("/livez").status == 200)
        }
    }

    /// The bucket is the token's, however the client spells the scheme: 64 casings of `Bearer`
    /// used to be 64 buckets.
    @Test func theSchemeCasingDoesNotMintBuckets() async throws {
        try await TestGateway.with(
            configure: .set {
                $0.rateLimitPerSecond = 0.01
                $0.rateLimitBurst = 1
            }
        ) { gateway in
            var statuses: [Int] = []
            for scheme in ["Bearer", "bearer", "BEARER", "BeArEr"] {
                let reply = try await gateway.http.send(
                    "GET",
                    "/v1/queues",
                    headers: ["Authorization": "\(scheme) \(TestGateway.token)"]
                )
                statuses.append(reply.status)
            }
            #expect(statuses == [200, 429, 429, 429])
        }
    }

    @Test func withoutAuthEveryCallerSharesOneBucket() async throws {
        try await TestGateway.with(
            configure: .set {
                $0.authEnabled = false
                $0.rateLimitPerSecond = 0.01
                $0.rateLimitBurst = 2
            }
        ) { gateway in
            // Made-up tokens must not each get a fresh bucket.
            var statuses: [Int] = []
            for token in ["made-up-1", "made-up-2", "made-up-3"] {
                statuses.append(try await gateway.http.get("/v1/queues", token: .some(token)).status)
            }
            #expect(statuses == [200, 200, 429])
        }
    }

    @Test func theBucketRefillsAtTheConfiguredRate() {
        let limiter = RateLimiter(perSecond: 2, burst: 2)
        let start = ContinuousClock.now
        #expect(limiter.take("t", now: start) == nil)
        #expect(limiter.take("t", now: start) == nil)
        #expect(limiter.take("t", now: start) == 1, "empty: one request is back within a second")
        #expect(limiter.take("t", now: start + .milliseconds(500)) == nil, "half a second refills one")
        #expect(limiter.take("t", now: start + .milliseconds(500)) != nil)
        #expect(limiter.take("t", now: start + .seconds(60)) == nil, "a long pause refills at most the burst")
        #expect(limiter.take("t", now: start + .seconds(60)) == nil)
        #expect(limiter.take("t", now: start + .seconds(60)) != nil)
    }

    @Test func thePayloadLimitIsConfigurable() async throws {
        try await TestGateway.with(configure: .set { $0.jobLimits.maxPayloadBytes = 2048 }) { gateway in
            let fits = "\"" + String(repeating: "a", count: 2046) + "\""
            let over = "\"" + String(repeating: "a", count: 2047) + "\""
            let accepted = try await gateway.http.send("POST", "/v1/jobs", body: #"{"type": "a", "queue": "big", "payload": \#(fits)}"#)
            #expect(accepted.status == 201)
            let refused = try await gateway.http.send("POST", "/v1/jobs", body: #"{"type": "a", "queue": "big", "payload": \#(over)}"#)
            #expect(refused.status == 400)
            #expect(refused.json["field"] as? String == "payload")
            #expect(try await gateway.counts("big").pending == 1)
        }
    }

    /// A schedule's job has a payload limit of its own, below a job's: every schedule is kept
    /// whole in Redis and listed whole. Past it: a 400 naming `job.payload`, nothing stored.
    @Test func aSchedulePayloadPastItsOwnLimitIsRefusedNamingJobPayload() async throws {
        try await TestGateway.with(configure: .set { $0.maxSchedulePayloadBytes = 2048 }) { gateway in
            func body(_ payload: String) -> String {
                #"{"cron": "@daily", "job": {"type": "a", "queue": "big", "payload": \#(payload)}}"#
            }
            let fits = "\"" + String(repeating: "a", count: 2046) + "\""
            let over = "\"" + String(repeating: "a", count: 2047) + "\""
            #expect(try await gateway.http.send("PUT", "/v1/schedules/fits", body: body(fits)).status == 201)
            let refused = try await gateway.http.send("PUT", "/v1/schedules/over", body: body(over))
            #expect(refused.status == 400, "\(refused.text)")
            #expect(refused.json["field"] as? String == "job.payload")
            #expect(try await gateway.http.get("/v1/schedules/over").status == 404)
            // A job may still carry it.
            #expect(try await gateway.http.send("POST", "/v1/jobs", body: #"{"type": "a", "queue": "big", "payload": \#(over)}"#).status == 201)
        }
        try await TestGateway.with { gateway in
            let over = "\"" + String(repeating: "a", count: GatewayConfiguration.defaultMaxSchedulePayloadBytes - 1) + "\""
            let refused = try await gateway.http.send(
                "PUT",
                "/v1/schedules/over",
                body: #"{"cron": "@daily", "job": {"type": "a", "payload": \#(over)}}"#
            )
            #expect(refused.status == 400, "the default is below a job's 1 MiB: \(refused.status)")
        }
    }

    @Test func jsonNestedDeeperThan64LevelsIsRefused() async throws {
        try await TestGateway.with { gateway in
            func body(depth: Int) -> String {
                // The body object is level 1 and the payload's arrays add `depth - 1` more.
                #"{"type": "a", "queue": "deep", "payload": "# + String(repeating: "[", count: depth - 1)
                    + String(repeating: "]", count: depth - 1) + "}"
            }
            #expect(try await gateway.http.send("POST", "/v1/jobs", body: body(depth: 64)).status == 201)
            let deep = try await gateway.http.send("POST", "/v1/jobs", body: body(depth: 65))
            #expect(deep.status == 400, "\(deep.text)")
            #expect(deep.text.contains("nested deeper than 64 levels"))
            #expect(try await gateway.counts("deep").pending == 1)
        }
    }

    @Test func anOversizedRequestHeadIsRefused() async throws {
        try await TestGateway.with { gateway in
            let huge = String(repeating: "x", count: 40 << 10)
            let refused: Bool
            do {
                let reply = try await gateway.http.send("GET", "/v1/queues", headers: ["X-Padding": huge])
                refused = reply.status >= 400
            } catch {
                refused = true  // the server closed the connection
            }
            #expect(refused)
            let after = try await gateway.http.get("/v1/queues")
            #expect(after.status == 200, "a refused head does not hurt the next request")
        }
    }

    @Test func anIdleConnectionIsClosed() async throws {
        try await TestGateway.with(configure: .set { $0.idleTimeoutSeconds = 1 }) { gateway in
            let closed = try Self.waitForServerClose(port: gateway.port, timeoutSeconds: 5)
            #expect(closed, "the server kept an idle connection open for 5 s")
        }
    }

    /// Opens a TCP connection, sends nothing, and reports whether the server closes it within
    /// `timeoutSeconds` (a blocking read returning 0).
    static func waitForServerClose(port: Int, timeoutSeconds: Int) throws -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        try #require(connected == 0)
        var byte: UInt8 = 0
        return read(fd, &byte, 1) == 0
    }
}
