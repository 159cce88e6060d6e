import ForgeCore
import ForgeRedis
import Hummingbird

/// `/ui/dlq`: a queue's dead letters, filtered by type and error text, with retry and delete of
/// one, a selection, or every match (after a confirmation that shows how many).
extension WebRoutes {
    static let deadLetterPageSize = 50

    func deadLettersPage(_ web: WebRequest, _ request: Request) async throws -> WebPage {
        var query = try QueryReader(request, ignoringEmpty: true)
        let queueText = try query.string("queue")
        let typeText = try query.string("type")
        let errorText = try query.string("error")
        let cursor = try query.string("cursor")
        try query.finish()
        guard let queueText else { return try await deadLetterQueues(web) }
        let filter = try DeadLetterFilter(queue: queueText, type: typeText, error: errorText)
        let page = try await deadLetters.page(
            filter,
            limit: Self.deadLetterPageSize,
            cursor: try cursor.map { (text: String) throws(ValidationError) in try PageCursor(text) }
        )
        let filterFields: HTML = """
            <input type="hidden" name="queue" value="\(queueText)"><input type="hidden" name="type" value="\(typeText ?? "")">\
            <input type="hidden" name="error" value="\(errorText ?? "")">
            """
        let next: HTML =
            page.nextCursor.map { cursor in
                let link = URLEncoding.query([("queue", queueText), ("type", typeText), ("error", errorText), ("cursor", cursor)])
                return "<a id=\"next-page\" href=\"/ui/dlq\(link)\">Older →</a>"
            } ?? .empty
        let newest = URLEncoding.query([("queue", queueText), ("type", typeText), ("error", errorText)])
        let first: HTML = cursor != nil ? "<a id=\"first-page\" href=\"/ui/dlq\(newest)\">← Newest</a>" : .empty
        let bulk: HTML =
            web.canAct && !page.jobs.isEmpty
            ? """
            <form id="bulk" class="inline" method="post" action="/ui/dlq/retry">\(web.csrfField)\
            <input type="hidden" name="queue" value="\(queueText)">\
            <input type="hidden" name="scope" value="selected">\
            <button type="submit" id="retry-selected">Retry selected</button> \
            <button type="submit" id="delete-selected" class="danger" formaction="/ui/dlq/delete">Delete selected</button></form>
            <form id="bulk-matching" class="inline" method="post" action="/ui/dlq/retry">\(web.csrfField)\(filterFields)\
            <input type="hidden" name="scope" value="matching">\
            <button type="submit" id="retry-matching">Retry all matching…</button> \
            <button type="submit" id="delete-matching" class="danger" formaction="/ui/dlq/delete">Delete all matching…</button></form>
            """
            : .empty
        let columns: Set<JobTable.Column> = web.canAct ? [.select, .time, .error, .deadActions] : [.time, .error]
        let here = "/ui/dlq" + URLEncoding.query([("queue", queueText), ("type", typeText), ("error", errorText), ("cursor", cursor)])
        return WebPage(
            title: "Dead letters · \(queueText)",
            content: """
                <div class="toolbar"><h1>Dead letters · <a href="/ui/queues/\(path: queueText)">\(queueText)</a></h1></div>
                <form id="dlq-filter" class="filters" method="get" action="/ui/dlq">
                <label>Queue<input name="queue" value="\(queueText)" required></label>
                <label>Type<input name="type" value="\(typeText ?? "")" placeholder="any"></label>
                <label>Error contains<input name="error" value="\(errorText ?? "")" placeholder="any"></label>
                <button type="submit">Filter</button>
                </form>
                <div class="toolbar">\(bulk)</div>
                \(JobTable.render(page.jobs, id: "dead", web: web, back: here, columns: columns, time: ("Died", { $0.finishedAtMs }), empty: "No dead letters match."))
                <div class="pager">\(first)\(next)</div>
                """,
            section: .deadLetters,
            request: web
        )
    }

    /// Without a queue: the queues that hold dead letters, most first (the first 200).
    private func deadLetterQueues(_ web: WebRequest) async throws -> WebPage {
        let holding = try await overview.current().rows.filter { $0.status.counts.dead > 0 }
        let rows = OverviewSelection(order: .dead).apply(holding).rows
            .map { row -> HTML in
                let name = row.status.name.rawValue
                return """
                    <tr data-queue="\(name)"><td class="name"><a href="/ui/dlq?queue=\(query: name)">\(name)</a></td>\
                    <td class="num">\(WebFormat.count(row.status.counts.dead))</td></tr>
                    """
            }
        let table: HTML =
            rows.isEmpty
            ? "<div class=\"empty\">No dead letters in any queue.</div>"
            : "<div class=\"table-wrap\"><table id=\"dead-queues\"><thead><tr><th>Queue</th><th class=\"num\">Dead</th></tr></thead><tbody>\(rows)</tbody></table></div>"
        return WebPage(
            title: "Dead letters",
            content: "<h1>Dead letters</h1>\(table)",
            section: .deadLetters,
            request: web
        )
    }

    /// The confirmation before a bulk action: how many dead letters it will touch.
    func deadLetterConfirmation(_ web: WebRequest, action: DeadLetterAction, form: WebForm, count: Int, capped: Bool) -> WebPage {
        let verb = action == .retry ? "Retry" : "Delete"
        var fields: [HTML] = [web.csrfField, "<input type=\"hidden\" name=\"confirm\" value=\"yes\">"]
        for (name, value) in form.pairs where name != "csrf" && name != "confirm" {
            fields.append("<input type=\"hidden\" name=\"\(name)\" value=\"\(value)\">")
        }
        let queue = form.value("queue") ?? ""
        let scope = form.value("scope") == "matching" ? "every dead letter of \(queue) matching the filter" : "the selected dead letters of \(queue)"
        let acting = min(count, DeadLetters.maxBulkLimit)
        let note: HTML =
            count > DeadLetters.maxBulkLimit || capped
            ? "<p class=\"hint\">\(capped ? "At least" : "") \(WebFormat.count(count)) match; one request acts on at most \(WebFormat.count(DeadLetters.maxBulkLimit)), the newest first, so repeat it for the rest.</p>"
            : .empty
        return WebPage(
            title: "\(verb) dead letters",
            content: """
                <div class="confirm">
                <h1>\(verb) dead letters?</h1>
                <p>\(verb) \(scope):</p>
                <p class="count"><span id="confirm-count">\(acting)</span> \(acting == 1 ? "job" : "jobs")</p>
                \(note)
                <form id="confirm" method="post" action="/ui/dlq/\(action == .retry ? "retry" : "delete")">\(fields)\
                <button type="submit" class="\(action == .retry ? "primary" : "danger")">\(verb) \(acting)</button> \
                <a href="/ui/dlq\(URLEncoding.query([("queue", queue)]))">Cancel</a></form>
                </div>
                """,
            section: .deadLetters,
            request: web
        )
    }
}
