import ArgumentParser

/// How long finished jobs stay readable in Redis, shared by every service that finishes jobs
/// (worker acks, gateway cancels, scheduler reclaims).
public struct FinishedJobOptions: ParsableArguments {
    /// An hour: long enough to read a result back right after completion; Postgres keeps it after.
    public static let defaultTTLMs: Int64 = 3_600_000

    @Option(
        name: .customLong("finished-ttl-ms"),
        help: "How long a completed or canceled job stays in Redis, in ms; history keeps it after (env FORGE_FINISHED_TTL_MS)."
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
