/// One page of a list of jobs (history search, dead letters), in the list's order.
public struct JobPage: Sendable, Hashable {
    public var jobs: [JobRecord]
    /// Pass as `cursor` to get the next page (a ``PageCursor``); `nil` on the last page.
    public var nextCursor: String?

    public init(jobs: [JobRecord], nextCursor: String?) {
        self.jobs = jobs
        self.nextCursor = nextCursor
    }
}
