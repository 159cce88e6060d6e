import ForgeCore
import ForgeRedis
import Foundation
import Testing

/// The rules the API states, as the gateway applies them: `null` refused, empty query values
/// refused, 400 for what the document refuses and 422 for what only a rule outside it refuses, a
/// batch validated as a whole.
@Suite struct ContractTests {
    @Test func explicitNullOnAnOptionalFieldIsRefusedNamingIt() async throws {
        try await TestGateway.with { gateway in
            let cases: [(String, String, String)] = [
                ("/v1/jobs", #"{"type": "a", "queue": null}"#, "queue"),
                ("/v1/jobs", #"{"type": "a", "priority": null}"#, "priority"),
                ("/v1/jobs", #"{"type": "a", "run_at": null}"#, "run_at"),
                ("/v1/jobs", #"{"type": "a", "backoff": null}"#, "backoff"),
                ("/v1/jobs", #"{"type": "a", "backoff": {"base_ms": 5, "cap_ms": null}}"#, "backoff.cap_ms"),
                ("/v1/jobs", #"{"type": null}"#, "type"),
                ("/v1/jobs/batch", #"{"jobs": [{"type": "a", "unique_key": null}]}"#, "jobs[0].unique_key"),
                ("/v1/jobs/batch", #"{"jobs": null}"#, "jobs"),
            ]
            for (path, body, field) in cases {
                let reply = try await gateway.http.send("POST", path, body: body)
                #expect(reply.status == 400, "\(body): \(reply.text)")
                #expect(reply.json["field"] as? String == field, "\(body): \(reply.text)")
            }
            let schedule = try await gateway.http.send(
                "PUT",
                "/v1/schedules/s",
                body: #"{"cron": "* * * * *", "time_zone": null, "job": {"type": "a"}}"#
            )
            #expect(schedule.status == 400)
            #expect(schedule.json["field"] as? String == "time_zone")
            #expect(try await gateway.queues.queueNames().isEmpty)

            // The payload may be any JSON value, null included.
            let accepted = try await gateway.http.send("POST", "/v1/jobs", body: #"{"type": "a", "payload": null}"#)
            #expect(accepted.status == 201)
        }
    }

    @Test func emptyOrRepeatedQueryParametersAreRefusedNamingThem() async throws {
        try await TestGateway.with { gateway in
            for (path, field) in [
                ("/v1/jobs?type=", "type"), ("/v1/jobs?queue=", "queue"), ("/v1/jobs?cursor=", "cursor"),
                ("/v1/dlq?queue=", "queue"), ("/v1/jobs?state=dead&state=completed", "state"),
            ] {
                let reply = try await gateway.http.get(path)
                #expect(reply.status == 400, "\(path): \(reply.text)")
                #expect(reply.json["field"] as? String == field, "\(path): \(reply.text)")
            }
        }
    }

    /// 400: the document refuses it. 422: the document allows it, a rule it cannot state refuses it.
    @Test func documentViolationsAre400AndOtherRefusals422() async throws {
        try await TestGateway.with { gateway in
            let cases: [(String, String, String, Int, String)] = [
                ("POST", "/v1/jobs", #"{"type": "a", "backoff": {"base_ms": 5000, "cap_ms": 10}}"#, 422, "backoff.cap_ms"),
                ("POST", "/v1/jobs", #"{"type": "a", "backoff": {"base_ms": 0, "cap_ms": 10}}"#, 400, "backoff.base_ms"),
                ("POST", "/v1/jobs", #"{"type": "a", "payload": ["\u0000"]}"#, 422, "payload"),
                ("POST", "/v1/jobs", #"{"type": "a", "delay_ms": 31536000001}"#, 400, "delay_ms"),
                ("POST", "/v1/jobs", #"{"type": "a", "unique_for_ms": 2592000001, "unique_key": "k"}"#, 400, "unique_for_ms"),
                ("POST", "/v1/jobs", #"{"type": "a", "unique_for_ms": 5}"#, 400, "unique_for_ms"),
                ("POST", "/v1/jobs", #"{"type": "a", "run_at": "2030-01-01T00:00:00Z", "delay_ms": 5}"#, 400, "run_at"),
                ("POST", "/v1/jobs", #"{"type": "a", "timeout_ms": 86400001}"#, 400, "timeout_ms"),
                ("POST", "/v1/jobs", #"{"type": "a", "unique_key": "a\u0001b"}"#, 400, "unique_key"),
                ("PUT", "/v1/schedules/s", #"{"cron": "61 * * * *", "job": {"type": "a"}}"#, 422, "cron"),
                ("PUT", "/v1/schedules/s", #"{"cron": "* * * * FOO", "job": {"type": "a"}}"#, 422, "cron"),
                ("PUT", "/v1/schedules/s", #"{"cron": "* * *", "job": {"type": "a"}}"#, 400, "cron"),
                ("PUT", "/v1/schedules/s", #"{"cron": "@reboot", "job": {"type": "a"}}"#, 400, "cron"),
                ("PUT", "/v1/schedules/s", #"{"cron": "@daily", "time_zone": "Mars/Olympus_Mons", "job": {"type": "a"}}"#, 422, "time_zone"),
                ("PUT", "/v1/schedules/s", #"{"cron": "@daily", "time_zone": "Europe Berlin", "job": {"type": "a"}}"#, 400, "time_zone"),
                ("PUT", "/v1/schedules/s", #"{"cron": "@daily", "job": {"type": "a", "timeout_ms": 0}}"#, 400, "job.timeout_ms"),
                ("PUT", "/v1/schedules/s", #"{"cron": "@daily", "job": {"type": "a", "payload": "\u0000"}}"#, 422, "job.payload"),
            ]
            for (method, path, body, status, field) in cases {
                let reply = try await gateway.http.send(method, path, body: body)
                #expect(reply.status == status, "\(body): \(reply.text)")
                #expect(reply.json["field"] as? String == field, "\(body): \(reply.text)")
                #expect(reply.header("Content-Type") == "application/problem+json")
            }
            #expect(try await gateway.queues.queueNames().isEmpty)
            #expect(try await ScheduleStore(redis: gateway.redis, keys: gateway.keys).all().isEmpty)
        }
    }

    /// Schema-valid edge values are accepted: a run_at before 1970 runs now, unique keys count
    /// characters (not bytes), a cap equal to the base is fine.
    @Test func edgesTheDocumentAllowsAreAccepted() async throws {
        try await TestGateway.with { gateway in
            let longKey = String(repeating: "é", count: 256)
            for body in [
                #"{"type": "a", "run_at": "0001-01-01T00:00:00Z"}"#,
                #"{"type": "a", "unique_key": "\#(longKey)"}"#,
                #"{"type": "a", "backoff": {"base_ms": 7, "cap_ms": 7}, "delay_ms": 0, "priority": 9.0}"#,
                #"{"type": "a", "run_at": "9999-12-31T23:59:59.999999Z", "max_attempts": 1000}"#,
            ] {
                let reply = try await gateway.http.send("POST", "/v1/jobs", body: body)
                #expect(reply.status == 201, "\(body): \(reply.text)")
            }
        }
    }

    /// One invalid item refuses the whole batch, naming every bad item, and nothing is enqueued.
    @Test func batchWithAnInvalidItemIsRefusedWholeNamingEveryBadItem() async throws {
        try await TestGateway.with { gateway in
            let reply = try await gateway.http.send(
                "POST",
                "/v1/jobs/batch",
                body: #"{"jobs": [{"type": "a", "queue": "v"}, {"type": "b", "priority": 10}, {"type": "c", "colour": 1}, 5]}"#
            )
            #expect(reply.status == 400, "\(reply.text)")
            #expect(reply.json["field"] as? String == "jobs[1].priority")
            let errors = try #require(reply.json["errors"] as? [[String: Any]])
            #expect(errors.compactMap { $0["field"] as? String } == ["jobs[1].priority", "jobs[2].colour", "jobs[3]"])
            #expect(try await gateway.counts("v") == .init())

            let unprocessable = try await gateway.http.send(
                "POST",
                "/v1/jobs/batch",
                body: #"{"jobs": [{"type": "a", "queue": "v"}, {"type": "a", "payload": "\u0000"}]}"#
            )
            #expect(unprocessable.status == 422)
            #expect(unprocessable.json["field"] as? String == "jobs[1].payload")
            #expect(try await gateway.counts("v") == .init())
        }
    }
}
