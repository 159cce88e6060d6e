import ForgeCore
import ForgeGateway
import ForgePostgres
import Foundation
import Testing
import Yams

/// The document states the bounds the code enforces, number for number and pattern for pattern,
/// so a limit changed in one place and not the other fails here rather than in a client.
@Suite struct DocumentBoundsTests {
    static func document() throws -> [String: Any] {
        try #require(try Yams.load(yaml: String(decoding: OpenAPIDocument.bytes, as: UTF8.self)) as? [String: Any])
    }

    /// The schema at `path` (`components.schemas.JobRequest.properties.delay_ms`).
    static func node(_ path: String, in document: [String: Any]) throws -> [String: Any] {
        var current: Any = document
        for part in path.split(separator: ".") {
            current = try #require((current as? [String: Any])?[String(part)], "\(path): no \(part)")
        }
        return try #require(current as? [String: Any], "\(path)")
    }

    static func bounds(_ path: String, in document: [String: Any]) throws -> ClosedRange<Int64> {
        let schema = try node(path, in: document)
        let minimum = try #require(schema["minimum"] as? Int, "\(path).minimum")
        let maximum = try #require(schema["maximum"] as? Int, "\(path).maximum")
        return Int64(minimum)...Int64(maximum)
    }

    @Test func jobRequestBoundsAreTheCodes() throws {
        let document = try Self.document()
        let limits = JobLimits.standard
        let job = "components.schemas.JobRequest.properties"
        #expect(try Self.bounds("\(job).delay_ms", in: document) == 0...limits.maxDelayMs)
        #expect(try Self.bounds("\(job).unique_for_ms", in: document) == limits.uniqueForMs)
        #expect(try Self.bounds("\(job).timeout_ms", in: document) == limits.timeoutMs)
        #expect(try Self.bounds("\(job).max_attempts", in: document) == Int64(limits.maxAttempts.lowerBound)...Int64(limits.maxAttempts.upperBound))
        #expect(try Self.bounds("\(job).priority", in: document) == Int64(JobRequest.priority.lowerBound)...Int64(JobRequest.priority.upperBound))
        #expect(try Self.bounds("\(job).backoff.properties.base_ms", in: document) == JobRequest.baseMs)
        #expect(try Self.bounds("\(job).backoff.properties.cap_ms", in: document) == JobRequest.capMs)
        let template = "components.schemas.JobTemplateRequest.properties"
        #expect(try Self.bounds("\(template).timeout_ms", in: document) == limits.timeoutMs)
        #expect(
            try Self.bounds("\(template).priority", in: document) == Int64(JobRequest.priority.lowerBound)...Int64(JobRequest.priority.upperBound)
        )
        let batch = try Self.node("paths./v1/jobs/batch.post.requestBody.content.application/json.schema.properties.jobs", in: document)
        #expect(batch["maxItems"] as? Int == GatewayConfiguration().maxBatchSize)
    }

    /// Bounds JSON Schema has no keyword for (a payload's bytes, the number of schedules) are
    /// stated as `x-forge-limit: {setting, default}` next to the text that explains them.
    @Test func configurableLimitsAreTheCodes() throws {
        let document = try Self.document()
        let configuration = GatewayConfiguration()
        func limit(_ path: String) throws -> (setting: String?, value: Int?) {
            let limit = try Self.node(path, in: document)["x-forge-limit"] as? [String: Any]
            return (limit?["setting"] as? String, limit?["default"] as? Int)
        }
        let job = try limit("components.schemas.JobRequest.properties.payload")
        #expect(job.setting == "FORGE_MAX_PAYLOAD_BYTES" && job.value == JobLimits.standard.maxPayloadBytes)
        let template = try limit("components.schemas.JobTemplateRequest.properties.payload")
        #expect(template.setting == "FORGE_MAX_SCHEDULE_PAYLOAD_BYTES" && template.value == configuration.maxSchedulePayloadBytes)
        let schedules = try limit("paths./v1/schedules/{name}.put")
        #expect(schedules.setting == "FORGE_MAX_SCHEDULES" && schedules.value == configuration.maxSchedules)
    }

    @Test func patternsAreTheCodes() throws {
        let document = try Self.document()
        let schedule = "components.schemas.ScheduleRequest.properties"
        #expect(try Self.node("\(schedule).cron", in: document)["pattern"] as? String == ScheduleRequest.cronPattern)
        #expect(try Self.node("\(schedule).time_zone", in: document)["pattern"] as? String == ScheduleRequest.timeZonePattern)
        let parameters = try #require(try Self.node("paths./v1/jobs.get", in: document)["parameters"] as? [[String: Any]])
        let cursor = try #require(parameters.first { $0["name"] as? String == "cursor" })
        #expect((cursor["schema"] as? [String: Any])?["pattern"] as? String == JobCursor.pattern)
    }

    /// The Idempotency-Key pattern and the code agree on keys at the edges.
    @Test func idempotencyKeyPatternIsTheCodes() throws {
        let document = try Self.document()
        let schema = try #require(try Self.node("components.parameters.IdempotencyKey", in: document)["schema"] as? [String: Any])
        let pattern = try #require(schema["pattern"] as? String).replacingOccurrences(of: "\\x", with: "\\u00")
        let regex = try Regex(pattern)
        for key in ["a", "order-42", "\"quoted\"", "inner space", " lead", "trail ", "caf\u{e9}", "", String(repeating: "k", count: 256)] {
            let documented = key.wholeMatch(of: regex) != nil && (1...256).contains(key.count)
            let accepted = (try? IdempotencyKey.key(from: key)) != nil
            #expect(documented == accepted, "\(key)")
        }
    }
}
