import ArgumentParser

/// How long finished jobs stay in Redis once history has them, shared by every service that
/// finishes jobs (worker acks, gateway cancels, scheduler reclaims) or archives them.
public struct FinishedJobOptions: ParsableArguments {
    /// Five seconds, as `QueueStore.defaultFinishedRetentionMs`: history answers for a finished
    /// job before this starts, so Redis holds the jobs in flight, not an hour of finished ones.
    public static let defaultTTLMs: Int64 = 5_000

    @Option(
        name: .customLong("finished-ttl-ms"),
        help: "How long a completed or canceled job stays in Redis once history has it, in ms (env FORGE_FINISHED_TTL_MS)."
    )
    public var finishedTTLMs = Int64(environment("FORGE_FINISHED_TTL_MS", "")) ?? FinishedJobOptions.defaultTTLMs

    public init() {}

    public func validate() throws {
        if let text = environment("FORGE_FINISHED_TTL_MS", nil), Int64(text) == nil {
            throw ValidationError("FORGE_FINISHED_TTL_MS: '\(text)' is not a number of milliseconds")
        }
        guard (1_000...(30 * 86_400_000)).contains(finishedTTLMs) else {
            throw ValidationError("--finished-ttl-ms / FORGE_FINISHED_TTL_MS: must be between 1000 and 2592000000, got \(finishedTTLMs)")
        }
    }
}
