/// A queue's depth by state as `GET /v1/queues/{queue}` answers it; `completed` is a counter
/// kept in Redis by every ack, so it counts every worker's completions, scraped or not.
public struct QueueCounts: Sendable, Codable, Equatable {
    public var scheduled = 0
    public var pending = 0
    public var active = 0
    public var retrying = 0
    public var dead = 0
    public var completed = 0

    public init(scheduled: Int = 0, pending: Int = 0, active: Int = 0, retrying: Int = 0, dead: Int = 0, completed: Int = 0) {
        self.scheduled = scheduled
        self.pending = pending
        self.active = active
        self.retrying = retrying
        self.dead = dead
        self.completed = completed
    }

    /// Jobs that will still run: waiting, running, delayed or waiting for a retry.
    public var backlog: Int { scheduled + pending + active + retrying }

    /// Adds another queue's counts (a run over several queues reports their sum).
    public mutating func add(_ other: QueueCounts) {
        scheduled += other.scheduled
        pending += other.pending
        active += other.active
        retrying += other.retrying
        dead += other.dead
        completed += other.completed
    }

    struct QueueView: Decodable {
        var counts: QueueCounts
    }
}
