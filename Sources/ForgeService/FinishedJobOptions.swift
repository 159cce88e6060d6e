import ArgumentParser
import ForgeRedis

/// How long finished jobs stay in Redis once history has them, shared by every service that
/// finishes jobs (worker acks, gateway cancels, scheduler reclaims) or archives them.
public struct FinishedJobOptions: ParsableArguments {
    /// Five seconds, as `QueueStore.defaultFinishedRetentionMs`: history answers for a finished
    /// job before this starts, so Redis holds the jobs in flight, not an hour of finished ones.
    public static let setting = NumberSetting<Int64>(
        "--finished-ttl-ms",
        "FORGE_FINISHED_TTL_MS",
        default: QueueStore.defaultFinishedRetentionMs,
        range: 1_000...(30 * 86_400_000),
        kind: "a number of milliseconds"
    )

    @Option(
        name: .customLong("finished-ttl-ms"),
        help: "How long a completed or canceled job stays in Redis once history has it, in ms \(Self.setting.help)."
    )
    var flag: Int64?

    public init() {}

    public func finishedTTLMs() throws -> Int64 { try Self.setting.value(flag: flag) }

    public func validate() throws { _ = try finishedTTLMs() }
}
