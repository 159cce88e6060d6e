import ForgeCore
import Foundation

/// The body of `PUT /v1/schedules/{name}`: `{cron, time_zone?, job: {type, queue?, payload?,
/// priority?, max_attempts?, timeout_ms?}, paused?}`.
enum ScheduleRequest {
    /// Validates the cron expression (`cron`), the time zone (`time_zone`) and the job template
    /// (`job.*`, checked by building the job a tick would enqueue).
    static func schedule(named name: String, from reader: ObjectReader, limits: JobLimits) throws(ValidationError) -> Schedule {
        try Schedule.validateName(name)
        var reader = reader
        let cron = try reader.requiredString("cron")
        let timeZone = try reader.string("time_zone") ?? "UTC"
        let paused = try reader.bool("paused") ?? false
        guard var job = try reader.object("job") else { throw reader.invalid("job", "is required") }
        let template = JobTemplate(
            type: try job.requiredString("type"), queue: try job.string("queue"),
            payload: job.json("payload")?.text, priority: try job.int("priority"),
            maxAttempts: try job.int("max_attempts"), timeoutMs: try job.int64("timeout_ms")
        )
        try job.finish()
        try reader.finish()

        _ = try CronExpression(cron, field: "cron")
        guard TimeZone(identifier: timeZone) != nil else {
            throw ValidationError(field: "time_zone", reason: "must be an IANA time zone such as Europe/Berlin or UTC")
        }
        do {
            _ = try NewJob(
                queue: template.queue, type: template.type, payload: template.payload, priority: template.priority,
                maxAttempts: template.maxAttempts, timeoutMs: template.timeoutMs, limits: limits
            )
        } catch {
            throw error.nested(under: "job")
        }
        return Schedule(name: name, cron: cron, timeZone: timeZone, job: template, paused: paused)
    }
}

/// A schedule as the API shows it, with when it last fired and fires next.
struct ScheduleView: Encodable {
    var schedule: Schedule
    var lastFiredMs: Int64?
    var nextFireMs: Int64?

    init(_ schedule: Schedule, lastFiredMs: Int64?, nowMs: Int64 = WallClock.nowMilliseconds()) {
        self.schedule = schedule
        self.lastFiredMs = lastFiredMs
        nextFireMs = (try? CronExpression(schedule.cron))?.nextFire(afterMs: nowMs, timeZone: schedule.timeZone)
    }

    enum CodingKeys: String, CodingKey {
        case name, cron, job, paused
        case timeZone = "time_zone"
        case lastFiredAt = "last_fired_at"
        case nextFireAt = "next_fire_at"
    }

    enum JobKeys: String, CodingKey {
        case type, queue, payload, priority
        case maxAttempts = "max_attempts"
        case timeoutMs = "timeout_ms"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(schedule.name, forKey: .name)
        try c.encode(schedule.cron, forKey: .cron)
        try c.encode(schedule.timeZone, forKey: .timeZone)
        try c.encode(schedule.paused, forKey: .paused)
        try c.encodeOrNull(lastFiredMs.map(RFC3339.format(milliseconds:)), forKey: .lastFiredAt)
        try c.encodeOrNull(nextFireMs.map(RFC3339.format(milliseconds:)), forKey: .nextFireAt)
        var job = c.nestedContainer(keyedBy: JobKeys.self, forKey: .job)
        let template = schedule.job
        try job.encode(template.type, forKey: .type)
        try job.encode(template.queue ?? QueueName.default.rawValue, forKey: .queue)
        try job.encode(template.payload.map(JSONValue.init(storedText:)) ?? .null, forKey: .payload)
        try job.encodeOrNull(template.priority, forKey: .priority)
        try job.encodeOrNull(template.maxAttempts, forKey: .maxAttempts)
        try job.encodeOrNull(template.timeoutMs, forKey: .timeoutMs)
    }
}

struct ScheduleListView: Encodable {
    var schedules: [ScheduleView]
}
