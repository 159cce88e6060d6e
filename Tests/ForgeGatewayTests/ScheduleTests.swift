import ForgeCore
import ForgeGateway
import ForgeRedis
import Foundation
import Testing

@Suite struct ScheduleTests {
    static var body: [String: Any] {
        [
            "cron": "*/5 * * * *", "time_zone": "Europe/Berlin",
            "job": ["type": "report.daily", "queue": "reports", "payload": ["kind": "daily"], "priority": 7],
        ]
    }

    @Test func putGetAndDeleteASchedule() async throws {
        try await TestGateway.with { gateway in
            let created = try await gateway.http.send("PUT", "/v1/schedules/nightly", json: Self.body)
            #expect(created.status == 201, "\(created.text)")
            #expect(created.json["name"] as? String == "nightly")
            #expect(created.json["time_zone"] as? String == "Europe/Berlin")
            let next = try #require(created.json["next_fire_at"] as? String, "\(created.text)")
            #expect(next.hasSuffix(":00.000Z"))

            var changed = Self.body
            changed["cron"] = "0 3 * * *"
            changed["paused"] = true
            let replaced = try await gateway.http.send("PUT", "/v1/schedules/nightly", json: changed)
            #expect(replaced.status == 200)

            let list = try #require(try await gateway.http.get("/v1/schedules").json["schedules"] as? [[String: Any]])
            #expect(list.count == 1)
            #expect(list.first?["cron"] as? String == "0 3 * * *")
            #expect(list.first?["paused"] as? Bool == true)
            let job = try #require(list.first?["job"] as? [String: Any])
            #expect(job["type"] as? String == "report.daily")
            #expect(job["priority"] as? Int == 7)
            #expect((job["payload"] as? [String: Any])?["kind"] as? String == "daily")
            // Fields the request left out show the value each tick uses, never null.
            #expect(job["max_attempts"] as? Int == NewJob.defaultMaxAttempts)
            #expect(job["timeout_ms"] as? Int == Int(NewJob.defaultTimeoutMs))

            #expect(try await gateway.http.send("DELETE", "/v1/schedules/nightly").status == 204)
            #expect(try await gateway.http.send("DELETE", "/v1/schedules/nightly").status == 404)
            #expect(try await gateway.http.get("/v1/schedules/nightly").status == 404, "a deleted schedule is gone")
            #expect((try await gateway.http.get("/v1/schedules").json["schedules"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func invalidSchedulesAreProblemsNamingTheFieldAndStoreNothing() async throws {
        try await TestGateway.with { gateway in
            func with(_ key: String, _ value: Any) -> [String: Any] {
                var body = Self.body
                body[key] = value
                return body
            }
            // 400: the OpenAPI document refuses it; 422: it fits the document, but no such minute
            // or weekday or zone exists.
            let cases: [(String, [String: Any], String, Int)] = [
                ("nightly", with("cron", "* * *"), "cron", 400),
                ("nightly", with("cron", "61 * * * *"), "cron", 422),
                ("nightly", with("cron", "* * * * FOO"), "cron", 422),
                ("nightly", with("time_zone", "Mars/Olympus_Mons"), "time_zone", 422),
                ("nightly", with("job", ["type": "a", "priority": 11]), "job.priority", 400),
                ("nightly", with("job", ["type": "a", "queue": "Nope!"]), "job.queue", 400),
                ("nightly", with("job", ["type": "a", "colour": 1]), "job.colour", 400),
                ("nightly", with("cron", 5), "cron", 400),
                ("nightly", with("extra", true), "extra", 400),
                ("Bad Name", Self.body, "name", 400),
            ]
            for (name, body, field, status) in cases {
                let path = "/v1/schedules/" + name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed)!
                let reply = try await gateway.http.send("PUT", path, json: body)
                #expect(reply.status == status, "\(field): \(reply.text)")
                #expect(reply.json["field"] as? String == field, "\(reply.text)")
            }
            #expect(try await ScheduleStore(redis: gateway.redis, keys: gateway.keys).all().isEmpty)
        }
    }

    static func daily(queue: String) -> [String: Any] {
        ["cron": "@daily", "job": ["type": "report", "queue": queue]]
    }

    /// A schedule's queue counts against FORGE_MAX_QUEUES like an enqueue's: within the limit the
    /// PUT registers the queue (so no tick is refused for it later); a new queue past the limit
    /// is a 422 naming `job.queue` that stores nothing and creates no queue.
    @Test func aScheduleOnANewQueuePastTheQueueLimitIsRefusedNamingJobQueue() async throws {
        try await TestGateway.with(configure: .set { $0.maxQueues = 2 }) { gateway in
            let job = try await gateway.http.send("POST", "/v1/jobs", body: #"{"type": "a", "queue": "first"}"#)
            #expect(job.status == 201, "\(job.text)")
            let reports = try await gateway.http.send("PUT", "/v1/schedules/reports", json: Self.daily(queue: "reports"))
            #expect(reports.status == 201, "\(reports.text)")
            #expect(try await gateway.queues.queueNames().map(\.rawValue).sorted() == ["first", "reports"])

            let refused = try await gateway.http.send("PUT", "/v1/schedules/other", json: Self.daily(queue: "third"))
            #expect(refused.status == 422, "\(refused.text)")
            #expect(refused.json["field"] as? String == "job.queue")
            #expect(refused.json["type"] as? String == "urn:forge:problem:queue-limit")
            #expect(try await gateway.http.get("/v1/schedules/other").status == 404)
            #expect(try await gateway.queues.queueNames().map(\.rawValue).sorted() == ["first", "reports"])

            #expect(try await gateway.http.send("PUT", "/v1/schedules/other", json: Self.daily(queue: "first")).status == 201)
        }
    }

    /// FORGE_MAX_SCHEDULES bounds how many schedules there are: a PUT creating one past it is a
    /// 422 naming `name`; replacing an existing schedule is always allowed; deleting makes room.
    @Test func theNumberOfSchedulesIsBoundedAndReplacingOneIsAlwaysAllowed() async throws {
        try await TestGateway.with(configure: .set { $0.maxSchedules = 2 }) { gateway in
            for name in ["a", "b"] {
                #expect(try await gateway.http.send("PUT", "/v1/schedules/\(name)", json: Self.body).status == 201)
            }
            let refused = try await gateway.http.send("PUT", "/v1/schedules/c", json: Self.body)
            #expect(refused.status == 422, "\(refused.text)")
            #expect(refused.json["field"] as? String == "name")
            #expect(refused.json["type"] as? String == "urn:forge:problem:schedule-limit")
            #expect(try await gateway.http.get("/v1/schedules/c").status == 404)

            var changed = Self.body
            changed["paused"] = true
            #expect(try await gateway.http.send("PUT", "/v1/schedules/a", json: changed).status == 200)
            #expect(try await gateway.http.send("DELETE", "/v1/schedules/b").status == 204)
            #expect(try await gateway.http.send("PUT", "/v1/schedules/c", json: Self.body).status == 201)
        }
    }

    /// The schedule limit holds under concurrent PUTs: Redis checks and stores in one script.
    @Test func concurrentPutsNeverOvershootTheScheduleLimit() async throws {
        try await TestGateway.with(configure: .set { $0.maxSchedules = 5 }) { gateway in
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<20 {
                    group.addTask { try await gateway.http.send("PUT", "/v1/schedules/s\(index)", json: Self.body).status }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 201 }.count == 5, "\(statuses)")
            // The rest are refused (a 503 when a loaded machine let Redis time out is no overshoot either).
            #expect(statuses.filter { $0 != 201 }.allSatisfy { $0 == 422 || $0 == 503 }, "\(statuses)")
            #expect(try await ScheduleStore(redis: gateway.redis, keys: gateway.keys).all().count == 5)
        }
    }
}
