import ForgeCore
import ForgeGateway
import ForgeRedis
import Foundation
import Testing

@Suite struct ScheduleTests {
    static var body: [String: Any] { [
        "cron": "*/5 * * * *", "time_zone": "Europe/Berlin",
        "job": ["type": "report.daily", "queue": "reports", "payload": ["kind": "daily"], "priority": 7],
    ] }

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
}
