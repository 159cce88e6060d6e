import ForgeCore
import ForgeRedis

/// `/ui/`: every queue's depth by state, rates and history lag (live), the workers and the leader.
extension WebRoutes {
    /// The overview's columns, in order: what the table shows and what `/ui/events` refreshes.
    static let overviewFields: [(field: String, label: String)] = [
        ("pending", "Pending"), ("scheduled", "Scheduled"), ("active", "Active"), ("retrying", "Retrying"), ("dead", "Dead"),
        ("enqueue_rate", "Enqueued"), ("complete_rate", "Completed"), ("history_lag", "History lag"),
    ]

    static func overviewCells(_ row: OverviewSampler.Row) -> [String: String] {
        let c = row.status.counts
        return [
            "pending": WebFormat.count(c.pending), "scheduled": WebFormat.count(c.scheduled), "active": WebFormat.count(c.active),
            "retrying": WebFormat.count(c.retrying), "dead": WebFormat.count(c.dead),
            "enqueue_rate": WebFormat.rate(row.enqueueRate), "complete_rate": WebFormat.rate(row.completeRate),
            "history_lag": row.historyLagMs.map { WebFormat.span(milliseconds: $0) } ?? "–",
        ]
    }

    func overviewPage(_ web: WebRequest) async throws -> WebPage {
        let snapshot = try await overview.current()
        let presence = try await overview.presence()
        let headers = Self.overviewFields.map { HTML("<th class=\"num\">\($0.label)</th>") }
        let rows = snapshot.rows.map { row -> HTML in
            let name = row.status.name.rawValue
            let cells = Self.overviewCells(row)
            let numbers = Self.overviewFields.map { field, _ -> HTML in
                let text = cells[field] ?? ""
                return "<td class=\"num\(text == "0" ? " zero" : "")\" data-field=\"\(field)\">\(text)</td>"
            }
            return """
                <tr data-queue="\(name)"><td class="name"><a href="/ui/queues/\(path: name)">\(name)</a> \
                <span class="badge paused"\(row.status.paused ? HTML.empty : " hidden")>paused</span></td>\(numbers)</tr>
                """
        }
        let table: HTML =
            rows.isEmpty
            ? "<div class=\"empty\">No queues yet: enqueue a job (<code>POST /v1/jobs</code>) and its queue appears here.</div>"
            : "<table id=\"queues\"><thead><tr><th>Queue</th>\(headers)</tr></thead><tbody>\(rows)</tbody></table>"
        return WebPage(
            title: "Overview",
            content: """
                <div class="toolbar"><h1>Queues <span class="muted">\(WebFormat.count(snapshot.rows.count))</span></h1></div>
                <div class="table-wrap">\(table)</div>
                <p class="hint">Rates are per second over the last few seconds, across every gateway and worker; history lag is \
                the age of the oldest event not yet in Postgres history.</p>
                \(Self.presenceSection(presence))
                """,
            section: .overview,
            request: web
        )
    }

    static func presenceSection(_ presence: OverviewSampler.Presence) -> HTML {
        let leader: HTML =
            presence.leader.map { "<span id=\"leader\" class=\"mono\">\($0)</span>" }
            ?? "<span id=\"leader\" class=\"muted\">none: no scheduler holds the lock</span>"
        let rows = presence.workers.map { worker -> HTML in
            """
            <tr data-worker="\(worker.name)"><td class="name mono">\(worker.name)</td><td class="name">\(worker.queues)</td>\
            <td class="num">\(worker.busy) / \(worker.concurrency)</td><td class="num">\(WebFormat.span(milliseconds: worker.seenAgoMs)) ago</td>\
            <td class="num">\(WebFormat.span(milliseconds: worker.upMs))</td></tr>
            """
        }
        let table: HTML =
            rows.isEmpty
            ? "<div class=\"empty\">No worker has reported in the last \(WebFormat.span(milliseconds: OverviewSampler.workerStaleMs)).</div>"
            : """
            <table id="workers"><thead><tr><th>Worker</th><th>Queues</th><th class="num">Slots in use</th>\
            <th class="num">Last seen</th><th class="num">Up</th></tr></thead><tbody>\(rows)</tbody></table>
            """
        return """
            <h2>Workers <span id="worker-count">\(WebFormat.count(presence.workers.count))</span></h2>
            <div class="table-wrap">\(table)</div>
            <h2>Scheduler</h2>
            <p>Leader: \(leader)</p>
            """
    }
}
