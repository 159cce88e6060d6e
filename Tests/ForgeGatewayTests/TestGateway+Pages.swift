import Testing

extension TestGateway {
    /// The `jobs` of every page of the list at `path` (a query string included), following
    /// `next_cursor` until the last page.
    func pages(_ path: String, atMost maxPages: Int = 1000) async throws -> [[[String: Any]]] {
        var pages: [[[String: Any]]] = []
        var cursor: String?
        repeat {
            let reply = try await http.get(path + (cursor.map { "&cursor=\($0)" } ?? ""))
            try #require(reply.status == 200, "\(reply.text.prefix(500))")
            pages.append(try #require(reply.json["jobs"] as? [[String: Any]]))
            cursor = reply.json["next_cursor"] as? String
            try #require(pages.count <= maxPages, "the cursor never ends")
        } while cursor != nil
        return pages
    }
}
