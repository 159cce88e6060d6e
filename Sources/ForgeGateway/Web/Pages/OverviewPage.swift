import ForgeCore
import ForgeRedis
import Hummingbird

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

    func overviewPage(_ web: WebRequest, _ request: Request) async throws -> WebPage {
        let selection = try OverviewSelection(request)
        let snapshot = try await overview.current()
        let (shown, matched) = selection.apply(snapshot.rows)
        let presence = try await overview.presence()
        let headers = Self.overviewFields.map { HTML("<th class=\"num\">\($0.label)</th>") }
        let rows = shown.map { row -> HTML in
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
            ? (snapshot.rows.isEmpty
                ? "<div class=\"empty\">No queues yet: enqueue a job (<code>POST /v1/jobs</code>) and its queue appears here.</div>"
                : "<div class=\"empty\">No queue matches.</div>")
            : "<table id=\"queues\"><thead><tr><th>Queue</th>\(headers)</tr></thead><tbody>\(rows)</tbody></table>"
        return WebPage(
            title: "Overview",
            content: """
                <div class="toolbar"><h1>Queues <span class="muted">\(WebFormat.count(snapshot.rows.count))</span></h1></div>
                \(Self.overviewFilter(selection, shown: shown.count, matched: matched))
                <div class="table-wrap">\(table)</div>
                \(Self.overviewPager(selection, shown: shown.count, matched: matched))
                <p class="hint">Rates are per second over the last few seconds, across every gateway and worker; history lag is \
                the age of the oldest event not yet in Postgres history.</p>
                \(Self.presenceSection(presence))
                """,
            section: .overview,
            request: web
        )
    }

    private static func overviewFilter(_ selection: OverviewSelection, shown: Int, matched: Int) -> HTML {
        let orders = OverviewSelection.Order.allCases.map { order in
            HTML("<option value=\"\(order.rawValue)\"\(order == selection.order ? HTML(" selected") : .empty)>\(order.rawValue)</option>")
        }
        return """
            <form id="queue-filter" class="filters" method="get" action="/ui/">
            <label>Queue name contains<input name="q" value="\(selection.filter ?? "")" size="24"></label>
            <label>Order<select name="sort">\(orders)</select></label>
            <button type="submit">Show</button>
            </form>
            """
    }

    private static func overviewPager(_ selection: OverviewSelection, shown: Int, matched: Int) -> HTML {
        guard matched > OverviewSelection.pageSize else { return .empty }
        let first = selection.page * OverviewSelection.pageSize
        let previous: HTML =
            selection.page > 0
            ? "<a id=\"prev-page\" href=\"/ui/\(selection.query(page: selection.page - 1))\">← Previous</a>"
            : .empty
        let next: HTML =
            first + shown < matched
            ? "<a id=\"next-page\" href=\"/ui/\(selection.query(page: selection.page + 1))\">Next →</a>"
            : .empty
        return """
            <div class="pager">\(previous)<span class="muted">\(WebFormat.count(first + 1))–\(WebFormat.count(first + shown)) \
            of \(WebFormat.count(matched))</span>\(next)</div>
            """
    }

    static func presenceSection(_ presence: OverviewSampler.Presence) -> HTML {
        let leader: HTML =
            presence.leader.map { "<span id=\"leader\" class=\"mono\">\($0)</span>" }
            ?? "<span id=\"leader\" class=\"muted\">none: no scheduler holds the lock</span>"
        let rows = presence.workers.map { worker -> HTML in
            let slots: HTML =
                worker.remote
                ? "<td class=\"num muted\" title=\"leases over HTTP; asked for \(worker.concurrency) at a time\">lease API</td>"
                : "<td class=\"num\">\(worker.busy) / \(worker.concurrency)</td>"
            return """
                <tr data-worker="\(worker.name)"><td class="name mono">\(worker.name)</td><td class="name">\(worker.queues)</td>\
                \(slots)<td class="num">\(WebFormat.span(milliseconds: worker.seenAgoMs)) ago</td>\
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
