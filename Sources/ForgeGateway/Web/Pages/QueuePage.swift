import ForgeCore
import ForgeRedis
import Hummingbird

/// `/ui/queues/{queue}`: the queue's jobs by state, paged; pause, resume, delete.
extension WebRoutes {
    static let queuePageSize = 50

    func queuePage(_ web: WebRequest, _ request: Request, queue nameText: String) async throws -> WebPage {
        let name = try QueueName(nameText)
        guard try await dependencies.queues.isRegistered(name) else { throw Problem.notFound("no queue named \(name)") }
        var query = try QueryReader(request)
        let stateText = try query.string("state") ?? "pending"
        guard let state = LiveState(rawValue: stateText) else {
            let names = LiveState.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError(field: "state", reason: "must be one of \(names)")
        }
        let offset = try query.int("offset", in: 0...1_000_000, default: 0)
        try query.finish()
        let status = try await dependencies.queues.status(name)
        let page = try await dependencies.listQueues.jobsPage(name, state: state, offset: offset, limit: Self.queuePageSize)
        let counts = status.counts
        let tabs = LiveState.allCases.map { tab -> HTML in
            let count: Int =
                switch tab {
                case .pending: counts.pending
                case .scheduled: counts.scheduled
                case .active: counts.active
                case .retrying: counts.retrying
                case .dead: counts.dead
                }
            let current: HTML = tab == state ? " aria-current=\"page\"" : .empty
            return """
                <a data-state="\(tab.rawValue)" href="/ui/queues/\(path: name.rawValue)?state=\(tab.rawValue)"\(current)>\
                \(tab.rawValue)<span class="num">\(WebFormat.count(count))</span></a>
                """
        }
        let base = "/ui/queues/\(URLEncoding.component(name.rawValue))?state=\(state.rawValue)"
        let previous: HTML = offset > 0 ? "<a id=\"prev-page\" href=\"\(base)&offset=\(max(0, offset - Self.queuePageSize))\">← Newer</a>" : .empty
        let next: HTML =
            offset + page.jobs.count < page.total ? "<a id=\"next-page\" href=\"\(base)&offset=\(offset + Self.queuePageSize)\">More →</a>" : .empty
        let shown: HTML =
            page.jobs.isEmpty
            ? .empty
            : "<span class=\"muted\">\(WebFormat.count(offset + 1))–\(WebFormat.count(offset + page.jobs.count)) of \(WebFormat.count(page.total))</span>"
        let time: (label: String, value: (JobRecord) -> Int64?) =
            switch state {
            case .scheduled: ("Runs at", { $0.runAtMs })
            case .retrying: ("Next attempt", { $0.runAtMs })
            case .active: ("Started", { $0.startedAtMs })
            case .dead: ("Died", { $0.finishedAtMs })
            case .pending: ("Created", { $0.createdAtMs })
            }
        let columns: Set<JobTable.Column> = state == .dead || state == .retrying ? [.time, .error] : [.time]
        let paused: HTML = status.paused ? "<span class=\"badge paused\">paused</span>" : .empty
        let actions: HTML =
            status.paused
            ? web.button("resume", action: "/ui/queues/\(URLEncoding.component(name.rawValue))/resume", label: "Resume", style: "primary")
            : web.button("pause", action: "/ui/queues/\(URLEncoding.component(name.rawValue))/pause", label: "Pause")
        let delete = web.button(
            "delete-queue",
            action: "/ui/queues/\(URLEncoding.component(name.rawValue))/delete",
            label: "Delete queue",
            style: "danger",
            confirm: "Delete queue \(name.rawValue)? Only an empty queue can be deleted."
        )
        let deadLink: HTML = counts.dead > 0 ? "<a href=\"/ui/dlq?queue=\(query: name.rawValue)\">Dead letters →</a>" : .empty
        return WebPage(
            title: name.rawValue,
            content: """
                <div class="toolbar"><h1>\(name.rawValue)</h1>\(paused)<span class="spacer"></span>\(deadLink)\(actions)\(delete)</div>
                <nav class="tabs">\(tabs)</nav>
                \(JobTable.render(page.jobs, id: "jobs", columns: columns, time: time, empty: "No \(state.rawValue) jobs."))
                <div class="pager">\(previous)\(shown)\(next)</div>
                <p class="hint">\(WebFormat.count(counts.completed)) completed since the queue was created. \
                <a href="/ui/history?queue=\(query: name.rawValue)">Search its history →</a></p>
                """,
            section: .overview,
            request: web
        )
    }
}
