import ForgeCore

/// The table of jobs the queue, dead-letter and history pages share.
enum JobTable {
    enum Column { case select, queue, state, time, error, deadActions }

    /// - Parameter time: which time the table shows, and its heading.
    static func render(
        _ jobs: [JobRecord],
        id: String,
        web: WebRequest? = nil,
        back: String = "/ui/dlq",
        columns: Set<Column>,
        time: (label: String, value: (JobRecord) -> Int64?) = ("Created", { $0.createdAtMs }),
        empty: String
    ) -> HTML {
        guard !jobs.isEmpty else { return "<div class=\"empty\">\(empty)</div>" }
        var head: [HTML] = []
        if columns.contains(.select) {
            head.append("<th><input type=\"checkbox\" id=\"select-all\" title=\"Select all on this page\" hidden></th>")
        }
        head.append("<th>Job</th><th>Type</th>")
        if columns.contains(.queue) { head.append("<th>Queue</th>") }
        if columns.contains(.state) { head.append("<th>State</th>") }
        head.append("<th class=\"num\">Attempts</th>")
        if columns.contains(.time) { head.append("<th class=\"num\">\(time.label)</th>") }
        if columns.contains(.error) { head.append("<th>Last error</th>") }
        if columns.contains(.deadActions) { head.append("<th></th>") }
        let rows = jobs.map { job -> HTML in
            let jobID = job.id.rawValue
            var cells: [HTML] = []
            if columns.contains(.select) {
                cells.append("<td><input type=\"checkbox\" name=\"id\" value=\"\(jobID)\" form=\"bulk\" aria-label=\"select \(jobID)\"></td>")
            }
            cells.append("<td class=\"id\"><a href=\"/ui/jobs/\(path: jobID)\">\(jobID)</a></td><td class=\"name\">\(job.type)</td>")
            if columns.contains(.queue) {
                cells.append("<td class=\"name\"><a href=\"/ui/queues/\(path: job.queue.rawValue)\">\(job.queue.rawValue)</a></td>")
            }
            if columns.contains(.state) { cells.append(state(job.state)) }
            cells.append("<td class=\"num\">\(job.attempts) / \(job.maxAttempts)</td>")
            if columns.contains(.time) { cells.append("<td class=\"num\">\(WebFormat.time(milliseconds: time.value(job)))</td>") }
            if columns.contains(.error) { cells.append("<td class=\"error-text\">\(excerpt(job.lastError))</td>") }
            if columns.contains(.deadActions), let web {
                let path = "/ui/dlq/" + URLEncoding.component(jobID)
                let backField: HTML = "<input type=\"hidden\" name=\"back\" value=\"\(back)\">"
                let retry = web.button("retry-\(jobID)", action: path + "/retry", label: "Retry", fields: backField)
                let delete = web.button(
                    "delete-\(jobID)",
                    action: path + "/delete",
                    label: "Delete",
                    style: "danger",
                    confirm: "Delete dead letter \(jobID)?",
                    fields: backField
                )
                cells.append("<td class=\"actions\">\(retry)\(delete)</td>")
            }
            return "<tr data-job=\"\(jobID)\">\(cells)</tr>"
        }
        return "<div class=\"table-wrap\"><table id=\"\(id)\"><thead><tr>\(head)</tr></thead><tbody>\(rows)</tbody></table></div>"
    }

    static func state(_ state: JobState) -> HTML {
        "<td><span class=\"state state-\(state.rawValue)\">\(state.rawValue)</span></td>"
    }

    /// An error's first 200 characters: the page links to the job for the rest.
    static func excerpt(_ text: String?) -> String {
        guard let text, !text.isEmpty else { return "" }
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }
}
