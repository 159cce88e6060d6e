import ForgeCore
import ForgeRedis
import HTTPTypes

/// `/ui/schedules`: cron schedules with their next five fire times; the form that creates and edits
/// them (stored by the code behind `PUT /v1/schedules/{name}`); delete.
extension WebRoutes {
    func schedulesPage(_ web: WebRequest) async throws -> WebPage {
        let schedules = try await dependencies.schedules.all().sorted { $0.name < $1.name }
        let fired = try await dependencies.schedules.lastFired()
        let now = WallClock.nowMilliseconds()
        let rows = schedules.map { schedule -> HTML in
            let name = schedule.name
            let fires = Self.nextFires(schedule, after: now, count: 5).map { HTML("<li>\(WebFormat.time(milliseconds: $0))</li>") }
            let template = schedule.job
            let queue = template.queue ?? QueueName.default.rawValue
            let actions: HTML =
                web.canAct
                ? """
                <a href="/ui/schedules/\(path: name)/edit">Edit</a> \
                <form class="inline delete-schedule" method="post" action="/ui/schedules/\(path: name)/delete" \
                data-confirm="Delete schedule \(name)?">\(web.csrfField)<button type="submit" class="danger">Delete</button></form>
                """
                : .empty
            let paused: HTML = schedule.paused ? " <span class=\"badge paused\">paused</span>" : .empty
            return """
                <tr id="\(name)" data-schedule="\(name)"><td class="name">\(name)\(paused)</td><td class="mono">\(schedule.cron)</td>\
                <td>\(schedule.timeZone)</td><td class="name"><span class="mono">\(template.type)</span> → \
                <a href="/ui/queues/\(path: queue)">\(queue)</a></td>\
                <td><ol class="next-fires">\(fires)</ol></td><td class="num">\(WebFormat.time(milliseconds: fired[name]))</td>\
                <td class="actions">\(actions)</td></tr>
                """
        }
        let newLink: HTML = web.canAct ? "<a id=\"new-schedule\" href=\"/ui/schedules/new\">New schedule</a>" : .empty
        let table: HTML =
            rows.isEmpty
            ? "<div class=\"empty\">No schedules.</div>"
            : """
            <div class="table-wrap"><table id="schedules"><thead><tr><th>Name</th><th>Cron</th><th>Time zone</th><th>Job</th>\
            <th>Next fire times</th><th class="num">Last fired</th><th></th></tr></thead><tbody>\(rows)</tbody></table></div>
            """
        return WebPage(
            title: "Schedules",
            content: """
                <div class="toolbar"><h1>Schedules <span class="muted">\(WebFormat.count(schedules.count))</span></h1>\
                <span class="spacer"></span>\(newLink)</div>
                \(table)
                <p class="hint">Times in UTC. The scheduler leader fires each tick once, with the unique key \
                <code>cron:&lt;name&gt;:&lt;tick&gt;</code>.</p>
                """,
            section: .schedules,
            request: web
        )
    }

    /// The schedule's next `count` ticks after `ms` (fewer for a cron that stops matching).
    static func nextFires(_ schedule: Schedule, after ms: Int64, count: Int) -> [Int64] {
        guard let cron = try? CronExpression(schedule.cron) else { return [] }
        var fires: [Int64] = []
        var after = ms
        while fires.count < count, let next = cron.nextFire(afterMs: after, timeZone: schedule.timeZone) {
            fires.append(next)
            after = next
        }
        return fires
    }

    /// The form's fields: a schedule being edited, or what the person sent back with its error.
    struct ScheduleFields: Sendable {
        var name = ""
        var cron = ""
        var timeZone = "UTC"
        var queue = ""
        var type = ""
        var payload = ""
        var priority = ""
        var maxAttempts = ""
        var timeoutMs = ""
        var paused = false
        var isNew = true

        init() {}

        init(_ schedule: Schedule) {
            name = schedule.name
            cron = schedule.cron
            timeZone = schedule.timeZone
            queue = schedule.job.queue ?? ""
            type = schedule.job.type
            payload = schedule.job.payload.map { JSONPretty.format($0) } ?? ""
            priority = schedule.job.priority.map(String.init) ?? ""
            maxAttempts = schedule.job.maxAttempts.map(String.init) ?? ""
            timeoutMs = schedule.job.timeoutMs.map(String.init) ?? ""
            paused = schedule.paused
            isNew = false
        }

        init(_ form: WebForm) {
            name = form.value("name") ?? ""
            cron = form.value("cron") ?? ""
            timeZone = form.value("time_zone") ?? ""
            queue = form.value("queue") ?? ""
            type = form.value("type") ?? ""
            payload = form.value("payload") ?? ""
            priority = form.value("priority") ?? ""
            maxAttempts = form.value("max_attempts") ?? ""
            timeoutMs = form.value("timeout_ms") ?? ""
            paused = form.value("paused") == "on"
            isNew = form.value("mode") != "edit"
        }
    }

    func scheduleForm(_ web: WebRequest, editing name: String?) async throws -> WebPage {
        var fields = ScheduleFields()
        if let name {
            try Schedule.validateName(name)
            guard let schedule = try await dependencies.schedules.get(name) else { throw Problem.notFound("no schedule named \(name)") }
            fields = ScheduleFields(schedule)
        }
        return scheduleFormPage(web, fields, error: nil)
    }

    func scheduleFormPage(_ web: WebRequest, _ fields: ScheduleFields, error: String?, status: HTTPResponse.Status = .ok) -> WebPage {
        let nameInput: HTML =
            fields.isNew
            ? "<input name=\"name\" value=\"\(fields.name)\" required placeholder=\"nightly-report\">"
            : "<input name=\"name\" value=\"\(fields.name)\" readonly>"
        let message: HTML = error.map { "<div class=\"flash error\" role=\"alert\">\($0)</div>" } ?? .empty
        let submit: HTML = web.canAct ? "<div><button type=\"submit\" class=\"primary\">Save schedule</button></div>" : .empty
        return WebPage(
            title: fields.isNew ? "New schedule" : "Schedule \(fields.name)",
            content: """
                <h1>\(fields.isNew ? "New schedule" : "Schedule \(fields.name)")</h1>
                \(message)
                <form id="schedule" class="stack" method="post" action="/ui/schedules">
                \(web.csrfField)<input type="hidden" name="mode" value="\(fields.isNew ? "new" : "edit")">
                <div class="row"><label>Name\(nameInput)</label>
                <label>Cron<input name="cron" value="\(fields.cron)" required placeholder="*/5 * * * *" class="mono"></label>
                <label>Time zone<input name="time_zone" value="\(fields.timeZone)" placeholder="UTC or Europe/Berlin"></label></div>
                <div class="row"><label>Job type<input name="type" value="\(fields.type)" required placeholder="noop"></label>
                <label>Queue<input name="queue" value="\(fields.queue)" placeholder="default"></label></div>
                <label>Payload (JSON)<textarea name="payload" spellcheck="false" placeholder="{}">\(fields.payload)</textarea></label>
                <div class="row"><label>Priority (0–9)<input name="priority" value="\(fields.priority)" inputmode="numeric" placeholder="5"></label>
                <label>Max attempts<input name="max_attempts" value="\(fields.maxAttempts)" inputmode="numeric" placeholder="25"></label>
                <label>Timeout (ms)<input name="timeout_ms" value="\(fields.timeoutMs)" inputmode="numeric" placeholder="30000"></label></div>
                <label class="check"><span><input type="checkbox" name="paused"\(fields.paused ? HTML(" checked") : .empty)> paused</span></label>
                \(submit)
                </form>
                <p class="hint">Stored through <code>PUT /v1/schedules/{name}</code>: the same checks, the same messages.</p>
                """,
            section: .schedules,
            request: web,
            status: status
        )
    }

    /// The form as the JSON body `PUT /v1/schedules/{name}` takes; the payload must be JSON itself.
    static func scheduleBody(_ fields: ScheduleFields) throws(ValidationError) -> [UInt8] {
        var json = JSONWriter(capacity: 256 + fields.payload.utf8.count)
        json.beginObject()
        json.key("cron")
        json.string(fields.cron)
        json.key("job")
        json.beginObject()
        for (key, text) in [("max_attempts", fields.maxAttempts), ("priority", fields.priority), ("timeout_ms", fields.timeoutMs)]
        where !text.isEmpty {
            json.key(key)
            // A number the API will check; anything else stays text, so the API names the field.
            if let number = Int64(text.trimmingSpaces) { json.int(number) } else { json.string(text) }
        }
        if !fields.payload.trimmingSpaces.isEmpty {
            do {
                _ = try JSONTape(Array(fields.payload.utf8))
            } catch {
                throw ValidationError(field: "job.payload", reason: "is not valid JSON (at byte \(error.offset): \(error.reason))")
            }
            json.key("payload")
            json.stored(fields.payload)
        }
        if !fields.queue.isEmpty {
            json.key("queue")
            json.string(fields.queue)
        }
        json.key("type")
        json.string(fields.type)
        json.endObject()
        json.key("paused")
        json.bool(fields.paused)
        json.key("time_zone")
        json.string(fields.timeZone.isEmpty ? "UTC" : fields.timeZone)
        json.endObject()
        return json.bytes
    }
}
