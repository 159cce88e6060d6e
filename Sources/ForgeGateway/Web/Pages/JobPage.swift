import ForgeCore
import ForgePostgres
import ForgeRedis

/// `/ui/jobs/{id}`: everything the API has about a job, its history, and what can be done to it.
extension WebRoutes {
    func jobPage(_ web: WebRequest, id idText: String) async throws -> WebPage {
        let id = try JobID(idText)
        let live = try await dependencies.queues.job(id)
        let archived = live == nil ? try await dependencies.history.job(id) : nil
        guard let job = live ?? archived else { throw Problem.notFound("no job with id \(id)") }
        // History may be down while Redis answers: the page still shows the live job.
        let events = (try? await dependencies.history.events(of: id)) ?? []
        let jobPath = "/ui/jobs/\(URLEncoding.component(id.rawValue))"
        var actions: [HTML] = []
        if !job.state.isTerminal {
            actions.append(web.button("cancel", action: "\(jobPath)/cancel", label: "Cancel", style: "danger", confirm: "Cancel job \(id.rawValue)?"))
        }
        if job.state == .dead, live != nil {
            let dead = "/ui/dlq/\(URLEncoding.component(id.rawValue))"
            actions.append(web.button("retry", action: "\(dead)/retry", label: "Retry", style: "primary"))
            actions.append(
                web.button("delete-dead", action: "\(dead)/delete", label: "Delete", style: "danger", confirm: "Delete dead letter \(id.rawValue)?")
            )
        }
        let source: HTML = live != nil ? "<span class=\"badge\">live in Redis</span>" : "<span class=\"badge\">from history</span>"
        return WebPage(
            title: "Job \(id.rawValue)",
            content: """
                <div class="toolbar"><h1 class="mono">\(id.rawValue)</h1>\(source)<span class="spacer"></span>\(actions)</div>
                <div class="grid">
                <div>\(Self.jobFields(job))</div>
                <div>
                <div class="copy-row"><h2>Payload</h2><button type="button" data-copy="payload" hidden>Copy</button></div>
                <pre id="payload">\(JSONPretty.format(job.payload))</pre>
                <div class="copy-row"><h2>Result</h2></div>
                <pre id="result">\(job.result.map { JSONPretty.format($0) } ?? "–")</pre>
                </div>
                </div>
                <h2>Errors</h2>
                \(Self.errorList(job))
                <h2>Timeline</h2>
                \(Self.timeline(job, events, fromHistory: live == nil))
                <h2>Enqueue it again</h2>
                <div class="copy-row"><span class="muted">curl</span><button type="button" data-copy="curl" hidden>Copy</button></div>
                <pre id="curl">\(Self.curlCommand(job))</pre>
                <div class="copy-row"><span class="muted">forge</span><button type="button" data-copy="forge-command" hidden>Copy</button></div>
                <pre id="forge-command">\(Self.forgeCommand(job))</pre>
                """,
            section: .none,
            request: web
        )
    }

    private static func jobFields(_ job: JobRecord) -> HTML {
        var rows: [(String, HTML)] = [
            ("State", "<span id=\"job-state\" class=\"state state-\(job.state.rawValue)\">\(job.state.rawValue)</span>"),
            ("Queue", "<a href=\"/ui/queues/\(path: job.queue.rawValue)\">\(job.queue.rawValue)</a>"),
            ("Type", "\(job.type)"),
            ("Attempts", "\(job.attempts) of \(job.maxAttempts)"),
            ("Priority", "\(job.priority)"),
            ("Timeout", "\(job.timeoutMs.map { WebFormat.span(milliseconds: $0) } ?? "–")"),
            ("Created", "\(WebFormat.time(milliseconds: job.createdAtMs))"),
            ("Run at", "\(WebFormat.time(milliseconds: job.runAtMs))"),
            ("Started", "\(WebFormat.time(milliseconds: job.startedAtMs))"),
            ("Finished", "\(WebFormat.time(milliseconds: job.finishedAtMs))"),
        ]
        if let key = job.uniqueKey {
            rows.append(("Unique key", "<span class=\"mono\">\(key)</span>"))
            if let schedule = scheduleName(fromUniqueKey: key) {
                rows.append(("Schedule", "<a id=\"job-schedule\" href=\"/ui/schedules#\(path: schedule)\">\(schedule)</a>"))
            }
        }
        let items = rows.map { label, value in HTML("<dt>\(label)</dt><dd>\(value)</dd>") }
        return "<dl class=\"fields\">\(items)</dl>"
    }

    /// A cron tick's job carries the unique key `cron:<schedule>:<tick ms>` (``CronStep``).
    package static func scheduleName(fromUniqueKey key: String) -> String? {
        guard key.hasPrefix("cron:"), let colon = key.lastIndex(of: ":"), Int64(key[key.index(after: colon)...]) != nil else { return nil }
        let name = key[key.index(key.startIndex, offsetBy: 5)..<colon]
        return name.isEmpty ? nil : String(name)
    }

    private static func errorList(_ job: JobRecord) -> HTML {
        guard !job.errors.isEmpty else {
            if let last = job.lastError, !last.isEmpty {
                return "<ol id=\"errors\" class=\"errors\"><li><span class=\"message\">\(last)</span></li></ol>"
            }
            return "<p class=\"muted\">None.</p>"
        }
        let items = job.errors.map { error in
            HTML(
                "<li><span class=\"muted\">attempt \(error.attempt) · \(WebFormat.time(milliseconds: error.atMs))</span><br><span class=\"message\">\(error.message)</span></li>"
            )
        }
        let omitted: HTML =
            job.errorsOmitted > 0 ? "<p class=\"hint\">\(WebFormat.count(job.errorsOmitted)) earlier errors were not kept.</p>" : .empty
        return "\(omitted)<ol id=\"errors\" class=\"errors\">\(items)</ol>"
    }

    /// History keeps the transitions worth auditing (retries, deaths, cancels, lease expirations,
    /// revivals); the job's own times frame them: when it was created, started and finished.
    private static func timeline(_ job: JobRecord, _ events: [HistoryEvent], fromHistory: Bool) -> HTML {
        var rows: [(at: Int64, html: HTML)] = [(job.createdAtMs, row("–", job.createdAtMs, "created", nil, nil, nil))]
        for event in events {
            rows.append((event.atMs, row("\(event.seq)", event.atMs, event.kind.rawValue, event.state, event.attempt, event.error)))
        }
        if let started = job.startedAtMs { rows.append((started, row("–", started, "last started", .active, job.attempts, nil))) }
        if let finished = job.finishedAtMs { rows.append((finished, row("–", finished, "finished", job.state, job.attempts, nil))) }
        let ordered = rows.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element.html)
        let note: HTML =
            events.isEmpty && !fromHistory ? "<p class=\"hint\">History writes its events within seconds of each transition.</p>" : .empty
        return """
            <div class="table-wrap"><table id="timeline"><thead><tr><th class="num">#</th><th class="num">At</th><th>Event</th>\
            <th>State</th><th class="num">Attempt</th><th>Error</th></tr></thead><tbody>\(ordered)</tbody></table></div>\(note)
            """
    }

    private static func row(_ seq: String, _ at: Int64, _ kind: String, _ state: JobState?, _ attempt: Int?, _ error: String?) -> HTML {
        let stateCell: HTML = state.map { "<span class=\"state state-\($0.rawValue)\">\($0.rawValue)</span>" } ?? .empty
        return """
            <tr><td class="num">\(seq)</td><td class="num">\(WebFormat.time(milliseconds: at))</td><td>\(kind)</td>\
            <td>\(stateCell)</td><td class="num">\(attempt.map(String.init) ?? "")</td><td class="error-text">\(error ?? "")</td></tr>
            """
    }

    /// The job's definition as `POST /v1/jobs` takes it.
    static func definition(_ job: JobRecord) -> String {
        var json = JSONWriter(capacity: 128 + job.payload.utf8.count)
        json.beginObject()
        json.key("max_attempts")
        json.int(job.maxAttempts)
        json.key("payload")
        json.stored(job.payload)
        json.key("priority")
        json.int(job.priority)
        json.key("queue")
        json.string(job.queue.rawValue)
        if let timeout = job.timeoutMs {
            json.key("timeout_ms")
            json.int(timeout)
        }
        json.key("type")
        json.string(job.type)
        json.endObject()
        return String(decoding: json.bytes, as: UTF8.self)
    }

    static func curlCommand(_ job: JobRecord) -> String {
        """
        curl -sS -X POST "$FORGE_GATEWAY_URL/v1/jobs" \\
          -H "Authorization: Bearer $FORGE_API_TOKEN" -H 'Content-Type: application/json' \\
          --data \(shellQuoted(definition(job)))
        """
    }

    static func forgeCommand(_ job: JobRecord) -> String {
        var words = ["forge", "enqueue", shellQuoted(job.type), "--queue", shellQuoted(job.queue.rawValue), "--payload", shellQuoted(job.payload)]
        if job.priority != 0 { words += ["--priority", String(job.priority)] }
        words += ["--max-attempts", String(job.maxAttempts)]
        if let timeout = job.timeoutMs { words += ["--timeout-ms", String(timeout)] }
        return words.joined(separator: " ")
    }

    /// `'text'` for a POSIX shell, with `'` written as `'\''`.
    package static func shellQuoted(_ text: String) -> String {
        "'" + text.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
    }
}
