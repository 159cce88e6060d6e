import ArgumentParser
import ForgeRedis

/// The bound on the number of queues (`FORGE_MAX_QUEUES`), shared by the services that create
/// queues: the gateway (enqueue, pause, schedules) and the scheduler (cron ticks). Both read the
/// same variable, so the leader never creates a queue the gateway would refuse.
public struct QueueLimitOptions: ParsableArguments {
    public static let setting = NumberSetting(
        "--max-queues",
        "FORGE_MAX_QUEUES",
        default: QueueStore.defaultMaxQueues,
        range: 0...1_000_000,
        kind: "a whole number"
    )

    @Option(
        name: .customLong("max-queues"),
        help:
            "Most queues there may be; a new queue past it is refused (a 422 naming the queue at the gateway, a counted, retried cron tick at the scheduler); 0 = no limit \(Self.setting.help)."
    )
    var flag: Int?

    public init() {}

    /// The limit, `nil` for none.
    public func maxQueues() throws -> Int? {
        let limit = try Self.setting.value(flag: flag)
        return limit > 0 ? limit : nil
    }

    public func validate() throws { _ = try maxQueues() }
}
