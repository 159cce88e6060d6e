import ForgeCore

/// A schedule as the API shows it, with when it last fired and fires next.
///
/// The job template shows the values a tick will use: a field the request left out appears with
/// its default (priority 5, max_attempts 25, timeout_ms 30000), and the payload byte for byte as
/// it was sent.
struct ScheduleView {
    var schedule: Schedule
    var lastFiredMs: Int64?
    var nextFireMs: Int64?

    init(_ schedule: Schedule, lastFiredMs: Int64?, nowMs: Int64 = WallClock.nowMilliseconds()) {
        self.schedule = schedule
        self.lastFiredMs = lastFiredMs
        nextFireMs = (try? CronExpression(schedule.cron))?.nextFire(afterMs: nowMs, timeZone: schedule.timeZone)
    }

    func write(to writer: inout JSONWriter) {
        let template = schedule.job
        writer.beginObject()
        writer.key("cron")
        writer.string(schedule.cron)
        writer.key("job")
        writer.beginObject()
        writer.key("max_attempts")
        writer.int(template.maxAttempts ?? NewJob.defaultMaxAttempts)
        writer.key("payload")
        writer.stored(template.payload)
        writer.key("priority")
        writer.int(template.priority ?? NewJob.defaultPriority)
        writer.key("queue")
        writer.string(template.queue ?? QueueName.default.rawValue)
        writer.key("timeout_ms")
        writer.int(template.timeoutMs ?? NewJob.defaultTimeoutMs)
        writer.key("type")
        writer.string(template.type)
        writer.endObject()
        writer.key("last_fired_at")
        writer.string(lastFiredMs.map(RFC3339.format(milliseconds:)))
        writer.key("name")
        writer.string(schedule.name)
        writer.key("next_fire_at")
        writer.string(nextFireMs.map(RFC3339.format(milliseconds:)))
        writer.key("paused")
        writer.bool(schedule.paused)
        writer.key("time_zone")
        writer.string(schedule.timeZone)
        writer.endObject()
    }

    func written() -> JSONWriter {
        var writer = JSONWriter(capacity: 256 + (schedule.job.payload?.utf8.count ?? 0))
        write(to: &writer)
        return writer
    }
}

/// `{"schedules": [schedule, …]}`.
struct ScheduleListView {
    var schedules: [ScheduleView]

    func written() -> JSONWriter {
        var writer = JSONWriter(capacity: 64 + schedules.count * 320)
        writer.beginObject()
        writer.array("schedules", schedules) { $0.write(to: &$1) }
        writer.endObject()
        return writer
    }
}
