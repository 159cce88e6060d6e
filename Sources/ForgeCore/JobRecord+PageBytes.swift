extension JobRecord {
    /// What this job weighs in a list page: the bytes that grow with what callers and handlers
    /// send (payload, result, last error and every failed attempt's message). The rest of a job is
    /// a few hundred bytes at most; these can be megabytes each, so a page's byte budget
    /// (FORGE_MAX_PAGE_BYTES) counts them.
    public var pageBytes: Int {
        payload.utf8.count + (result?.utf8.count ?? 0) + (lastError?.utf8.count ?? 0)
            + errors.reduce(0) { $0 + $1.message.utf8.count }
    }
}
