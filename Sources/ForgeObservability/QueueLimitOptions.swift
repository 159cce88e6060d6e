import ArgumentParser

/// The bound on the number of queues (`FORGE_MAX_QUEUES`), shared by the services that create
/// queues: the gateway (enqueue, pause, schedules) and the scheduler (cron ticks). Both read the
/// same variable, so the leader never creates a queue the gateway would refuse.
public struct QueueLimitOptions: ParsableArguments {
    /// Queue names come from callers, and each queue costs keys, scheduler work and metric series.
    public static let defaultMaxQueues = 1_000

    @Option(
        name: .customLong("max-queues"),
        help:
            "Most queues there may be; a new queue past it is refused (a 422 naming the queue at the gateway, a counted, retried cron tick at the scheduler); 0 = no limit (env FORGE_MAX_QUEUES)."
    )
    public var limit = Int(environment("FORGE_MAX_QUEUES", "")) ?? QueueLimitOptions.defaultMaxQueues

    public init() {}

    /// The limit, `nil` for none.
    public var maxQueues: Int? { limit > 0 ? limit : nil }

    public func validate() throws {
        if let text = environment("FORGE_MAX_QUEUES", nil), Int(text) == nil {
            throw ValidationError("FORGE_MAX_QUEUES: '\(text)' is not a whole number")
        }
        guard (0...1_000_000).contains(limit) else {
            throw ValidationError("--max-queues / FORGE_MAX_QUEUES: must be between 0 and 1000000, got \(limit)")
        }
    }
}
