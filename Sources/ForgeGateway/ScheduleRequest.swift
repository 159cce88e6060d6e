import ForgeCore
import FoundationEssentials

/// The body of `PUT /v1/schedules/{name}`: `{cron, time_zone?, job: {type, queue?, payload?,
/// priority?, max_attempts?, timeout_ms?}, paused?}`.
///
/// Checked like a job request (``JobRequest``): the document's rules first (types, ranges, the
/// shapes of `cron` and `time_zone` as its patterns give them): 400; then what only the parser
/// and the time-zone database know (a field value out of range, `61 * * * *`; an unknown zone;
/// U+0000 in the payload): 422.
package enum ScheduleRequest {
    /// The shapes the document gives `cron` and `time_zone` (a test checks both are its patterns).
    package static let cronPattern =
        #"^[ \t]*(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|[0-9A-Za-z*?,/-]+([ \t]+[0-9A-Za-z*?,/-]+){4,5})[ \t]*$"#
    package static let timeZonePattern = #"^[A-Za-z0-9_+-]{1,64}(/[A-Za-z0-9_+-]{1,64}){0,2}$"#

    /// Validates the name, the cron expression (`cron`), the time zone (`time_zone`) and the job
    /// template (`job.*`, checked by building the job a tick would enqueue); `limits` are
    /// ``GatewayConfiguration/scheduleJobLimits``, whose payload limit is a schedule's own.
    static func schedule(named name: String, from reader: ObjectReader, limits: JobLimits) throws(RequestError) -> Schedule {
        var reader = reader
        let cron: String
        let timeZone: String
        let paused: Bool
        let template: JobTemplate
        var payloadHasNull = false
        do throws(ValidationError) {
            try Schedule.validateName(name)
            cron = try reader.requiredString("cron")
            guard matches(cron, cronPattern) else {
                throw reader.invalid(
                    "cron",
                    "must be 5 fields (or 6 with leading seconds) of 0-9, A-Z, *, ?, ',', '/' and '-', or a macro such as @daily"
                )
            }
            timeZone = try reader.string("time_zone") ?? "UTC"
            guard matches(timeZone, timeZonePattern) else {
                throw reader.invalid("time_zone", "must be an IANA time zone name such as Europe/Berlin or UTC")
            }
            paused = try reader.bool("paused") ?? false
            guard var job = try reader.object("job") else { throw reader.invalid("job", "is required") }
            let type = try job.requiredString("type")
            _ = try JobType(type, field: "job.type")
            let queue = try job.string("queue")
            if let queue { _ = try QueueName(queue, field: "job.queue") }
            let payload = job.json("payload")
            if let payload, payload.text.utf8.count > limits.maxPayloadBytes {
                throw job.invalid("payload", "is larger than \(limits.maxPayloadBytes) bytes, the most a schedule's job may carry")
            }
            payloadHasNull = payload?.hasNull == true
            template = JobTemplate(
                type: type,
                queue: queue,
                payload: payload?.text,
                priority: try job.int("priority", in: JobRequest.priority),
                maxAttempts: try job.int("max_attempts", in: limits.maxAttempts),
                timeoutMs: try job.int64("timeout_ms", in: limits.timeoutMs)
            )
            try job.finish()
            try reader.finish()
        } catch {
            throw .invalid(error)
        }
        do {
            _ = try CronExpression(cron, field: "cron")
        } catch {
            throw .unprocessable(error)
        }
        guard ZoneRules.named(timeZone) != nil else {
            throw .unprocessable(ValidationError(field: "time_zone", reason: "is not a time zone this server knows (e.g. Europe/Berlin, UTC)"))
        }
        if payloadHasNull {
            throw .unprocessable(
                ValidationError(field: "job.payload", reason: "must not contain the character U+0000 (\\u0000): Postgres history cannot store it")
            )
        }
        do {
            _ = try NewJob(
                queue: template.queue,
                type: template.type,
                payload: template.payload,
                payloadIsJSON: true,
                priority: template.priority,
                maxAttempts: template.maxAttempts,
                timeoutMs: template.timeoutMs,
                limits: limits
            )
        } catch {
            throw .invalid(error.nested(under: "job"))
        }
        return Schedule(name: name, cron: cron, timeZone: timeZone, job: template, paused: paused)
    }

    /// Whether `text` matches `pattern` (compiled per call: schedules are written rarely, and a
    /// shared `Regex` is not `Sendable`).
    static func matches(_ text: String, _ pattern: String) -> Bool {
        guard let regex = try? Regex(pattern) else { return false }
        return text.wholeMatch(of: regex) != nil
    }
}
