import ForgeCore
import ForgeGateway
import ForgeRedis
import ForgeTestSupport
import Foundation
import Testing

/// `GET /v1/dlq` answers a page bounded by bytes as well as by count, with a keyset cursor for
/// the rest, and reads dead letters on Redis connections of its own, so a large list neither
/// exhausts the gateway's memory nor holds up the enqueues it serves meanwhile.
@Suite struct DeadLetterPageTests {
    static let budget = GatewayConfiguration.defaultMaxPageBytes
    static let largePayload = 900 << 10

    @Test func aLargeDeadLetterListIsCutByBytesAndPagedWithACursor() async throws {
        // A Redis of its own: 36 MB of payloads written and read would stall the shared test Redis
        // past other tests' command timeouts.
        let redis = try PrivateRedis()
        try redis.start()
        defer { redis.stop() }
        try await TestGateway.with(redisURL: redis.url) { gateway in
            let queue = try QueueName("big")
            // 36 MB: ten pages (the real gateway's memory is checked with 150, in LargeListTests).
            let ids = try await gateway.makeDeadLetters(queue, count: 40, payloadBytes: Self.largePayload)

            // Enqueues on the same gateway go on while the list is read, and all succeed.
            let enqueues = Task {
                var statuses: [Int] = []
                for n in 0..<50 {
                    statuses.append(try await gateway.http.post("/v1/jobs", json: ["type": "small", "queue": "small", "payload": ["n": n]]).status)
                }
                return statuses
            }
            let pages = try await gateway.pages("/v1/dlq?queue=big&limit=1000")
            #expect(try await enqueues.value == Array(repeating: 201, count: 50))

            #expect(pages.count > 1, "one page held all \(ids.count) dead letters")
            for page in pages {
                // The payload is a JSON string of `largePayload` bytes with its quotes.
                let bytes = page.count * Self.largePayload
                #expect(page.count == 1 || bytes <= Self.budget, "a page of \(page.count) jobs, \(bytes) bytes")
            }
            let listed = pages.flatMap { $0 }.compactMap { $0["id"] as? String }
            #expect(listed == (try await gateway.deadSetOrder(queue)), "every dead letter once, latest death first")
            #expect(Set(listed) == Set(ids.map(\.rawValue)))
        }
    }

    @Test func enqueuesCompleteWhileADeadLetterListWaitsForRedis() async throws {
        try await TestGateway.with { gateway in
            let queue = try QueueName("held")
            let ids = try await gateway.makeDeadLetters(queue, count: 3, payloadBytes: 1024)
            let stall = try await LaneStall.hold(gateway.listRedis)
            let listed = DoneFlag()
            let list = Task {
                defer { listed.set() }
                return try await gateway.http.get("/v1/dlq?queue=held")
            }
            var enqueued: Result<[Int], any Error> = .success([])
            do {
                for n in 0..<20 {
                    let status = try await gateway.http.post("/v1/jobs", json: ["type": "small", "queue": "fast", "payload": ["n": n]]).status
                    enqueued = enqueued.map { $0 + [status] }
                }
            } catch {
                enqueued = .failure(error)
            }
            let listWaited = !listed.isSet
            await stall.release()
            let reply = try await list.value

            #expect(try enqueued.get() == Array(repeating: 201, count: 20))
            #expect(listWaited, "the list answered while its Redis connections were held")
            #expect(reply.status == 200, "\(reply.text)")
            let jobs = try #require(reply.json["jobs"] as? [[String: Any]])
            #expect(Set(jobs.compactMap { $0["id"] as? String }) == Set(ids.map(\.rawValue)))
        }
    }

    /// Deaths in the same millisecond are ordered by id, and a cursor whose job was retried or
    /// deleted since still continues where it stood.
    @Test func pagesWalkDeathTimeTiesAndSurviveTheirCursorsJobLeaving() async throws {
        try await TestGateway.with { gateway in
            let queue = try QueueName("ties")
            let ids = try await gateway.makeDeadLetters(queue, count: 9, payloadBytes: 64)
            let dead = gateway.keys.queue(queue).dead
            // Three deaths per millisecond.
            for (index, id) in ids.enumerated() {
                _ = try await gateway.redis.command(["ZADD", dead, "XX", String(1_700_000_000_000 + index / 3), id.rawValue])
            }
            let order = try await gateway.deadSetOrder(queue)
            let all = try await gateway.pages("/v1/dlq?queue=ties&limit=2").flatMap { $0 }.compactMap { $0["id"] as? String }
            #expect(all == order)

            let first = try await gateway.http.get("/v1/dlq?queue=ties&limit=4")
            let page = try #require(first.json["jobs"] as? [[String: Any]]).compactMap { $0["id"] as? String }
            #expect(page == Array(order.prefix(4)))
            let cursor = try #require(first.json["next_cursor"] as? String)
            #expect(try await gateway.http.send("DELETE", "/v1/dlq/\(page[3])").status == 204)
            let rest = try await gateway.http.get("/v1/dlq?queue=ties&limit=10&cursor=\(cursor)")
            #expect(rest.status == 200, "\(rest.text)")
            #expect(try #require(rest.json["jobs"] as? [[String: Any]]).compactMap { $0["id"] as? String } == Array(order.dropFirst(4)))
            #expect(rest.json["next_cursor"] is NSNull)
        }
    }

    @Test func deadLetterCursorsFollowOneStrictGrammar() async throws {
        let id = JobID.generate().rawValue
        try await TestGateway.with { gateway in
            for cursor in ["0.\(id)", "1717171717123.\(id)", "999999999999999999.\(id)"] {
                let reply = try await gateway.http.get("/v1/dlq?queue=any&cursor=\(cursor)")
                #expect(reply.status == 200, "\(cursor): \(reply.text)")
            }
            for cursor in ["-1.\(id)", "01.\(id)", "1.\(id.uppercased())", "1:\(id)", "9999999999999999999.\(id)", "not-a-cursor"] {
                let reply = try await gateway.http.get("/v1/dlq?queue=any&cursor=\(cursor)")
                #expect(reply.status == 400, "\(cursor): \(reply.text)")
                #expect(reply.json["field"] as? String == "cursor", "\(cursor): \(reply.text)")
            }
        }
    }
}
