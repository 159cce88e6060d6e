import ForgeCore
import ForgePostgres
import Hummingbird

/// `/ui/history`: the history search of `GET /v1/jobs` (the same parameters, read by the same
/// code), with cursor paging; the URL is the search, so it can be shared.
extension WebRoutes {
    func historyPage(_ web: WebRequest, _ request: Request) async throws -> WebPage {
        var query = try QueryReader(request, ignoringEmpty: true)
        let value = { (key: String) in query.peek(key) ?? "" }
        let filters = (
            queue: value("queue"), type: value("type"), state: value("state"), after: value("created_after"), before: value("created_before")
        )
        /// `/ui/history` with this search's filters, `changes` put over them (a cursor, another window).
        func link(_ changes: [(String, String?)] = []) -> String {
            var pairs: [(String, String?)] = [
                ("queue", filters.queue), ("type", filters.type), ("state", filters.state), ("created_after", filters.after),
                ("created_before", filters.before),
            ]
            for (key, change) in changes {
                if let index = pairs.firstIndex(where: { $0.0 == key }) { pairs[index].1 = change } else { pairs.append((key, change)) }
            }
            return "/ui/history" + URLEncoding.query(pairs.map { ($0, $1.flatMap { $0.isEmpty ? nil : $0 }) })
        }
        var results: HTML
        var problem: HTML = .empty
        do {
            let search = try jobRoutes.searchQuery(&query)
            let page = try await dependencies.history.search(search)
            let next: HTML = page.nextCursor.map { "<a id=\"next-page\" href=\"\(link([("cursor", $0)]))\">Older →</a>" } ?? .empty
            let first: HTML = search.cursor != nil ? "<a id=\"first-page\" href=\"\(link())\">← Newest</a>" : .empty
            results = """
                \(JobTable.render(page.jobs, id: "history", columns: [.queue, .state, .time, .error], empty: "No job in history matches."))
                <div class="pager">\(first)\(next)</div>
                """
        } catch let invalid as ValidationError {
            problem = "<div class=\"flash error\" role=\"alert\">\(Problem.invalid(invalid).detail)</div>"
            results = .empty
        }
        let states = ([""] + JobState.allCases.map(\.rawValue)).map { state in
            HTML("<option value=\"\(state)\"\(state == filters.state ? HTML(" selected") : .empty)>\(state.isEmpty ? "any" : state)</option>")
        }
        let now = WallClock.nowMilliseconds()
        let windows = [("last hour", 3_600_000), ("last day", 86_400_000), ("last week", 7 * 86_400_000)].map { label, span -> HTML in
            let after = RFC3339.format(milliseconds: now - Int64(span))
            return "<a href=\"\(link([("created_after", after), ("created_before", nil)]))\">\(label)</a>"
        }
        return WebPage(
            title: "History",
            content: """
                <h1>History</h1>
                <form id="history-filter" class="filters" method="get" action="/ui/history">
                <label>Queue<input name="queue" value="\(filters.queue)" size="16"></label>
                <label>Type<input name="type" value="\(filters.type)" size="16"></label>
                <label>State<select name="state">\(states)</select></label>
                <label>Created after<input name="created_after" value="\(filters.after)" placeholder="2030-01-01T00:00:00Z" size="22"></label>
                <label>Created before<input name="created_before" value="\(filters.before)" placeholder="RFC 3339" size="22"></label>
                <button type="submit" class="primary">Search</button>
                </form>
                <p class="hint">Window: \(windows.joinedBy(" · ")). Newest first; the same search as <code>GET /v1/jobs</code>.</p>
                \(problem)
                \(results)
                """,
            section: .history,
            request: web
        )
    }
}

extension Array where Element == HTML {
    func joinedBy(_ separator: String) -> HTML {
        HTML(enumerated().map { index, piece in index == 0 ? piece : HTML("\(separator)\(piece)") })
    }
}
