import ArgumentParser

/// When a job counts as accepted (`FORGE_DURABILITY`), shared by the services that create jobs:
/// the gateway (enqueues) and the scheduler (cron ticks). Both read the same variable, so a job a
/// schedule makes is as safe as one a caller enqueued.
public struct DurabilityOptions: ParsableArguments {
    @Option(
        help:
            "redis: a job is accepted once Redis has it; postgres: once its history row is committed too (group commit), so it survives Redis losing its data (env FORGE_DURABILITY; default redis)."
    )
    var durability = environment("FORGE_DURABILITY", "redis")

    public init() {}

    /// Whether a job's history row is committed before Redis sees the job (`postgres`).
    public func persistsBeforeRedis() throws -> Bool {
        guard ["redis", "postgres"].contains(durability) else {
            throw ValidationError("--durability / FORGE_DURABILITY: '\(durability)' must be redis or postgres")
        }
        return durability == "postgres"
    }

    public func validate() throws { _ = try persistsBeforeRedis() }
}
