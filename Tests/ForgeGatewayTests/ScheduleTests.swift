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

            #expect(try await gateway.http.send("DELETE", "/v1/schedules/nightly").status == 204)
            #expect(try await gateway.http.send("DELETE", "/v1/schedules/nightly").status == 404)
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
            let cases: [(String, [String: Any], String)] = [
                ("nightly", with("cron", "* * *"), "cron"),
                ("nightly", with("cron", "61 * * * *"), "cron"),
                ("nightly", with("cron", "* * * * FOO"), "cron"),
                ("nightly", with("time_zone", "Mars/Olympus_Mons"), "time_zone"),
                ("nightly", with("job", ["type": "a", "priority": 11]), "job.priority"),
                ("nightly", with("job", ["type": "a", "queue": "Nope!"]), "job.queue"),
                ("nightly", with("job", ["type": "a", "colour": 1]), "job.colour"),
                ("nightly", with("cron", 5), "cron"),
                ("nightly", with("extra", true), "extra"),
                ("Bad Name", Self.body, "name"),
            ]
            for (name, body, field) in cases {
                let path = "/v1/schedules/" + name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed)!
                let reply = try await gateway.http.send("PUT", path, json: body)
                #expect(reply.status == 400, "\(field): \(reply.text)")
                #expect(reply.json["field"] as? String == field, "\(reply.text)")
            }
            #expect(try await ScheduleStore(redis: gateway.redis, keys: gateway.keys).all().isEmpty)
        }
    }
}
