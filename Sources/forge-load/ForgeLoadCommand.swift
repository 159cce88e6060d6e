import ArgumentParser

/// `forge-load`: Forge's load generator (`forge-load --rps 2000 --duration 60s`) and its
/// horizontal-scaling benchmark (`forge-load scale --workers 1,2,4,8`).
public struct ForgeLoadCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "forge-load",
        abstract: "Load generator and scaling benchmark for Forge.",
        discussion: """
            forge-load sends jobs to a Forge gateway on a fixed schedule (open loop: request i is due at \
            t0 + i/rate whatever earlier requests took, and its latency counts from that due time), or as \
            fast as it can with --max. It reads the workers' and schedulers' /metrics for completions, \
            wait time and history lag. --rps counts jobs: with --batch N each request carries N jobs.
            """,
        subcommands: [RunCommand.self, ScaleCommand.self],
        defaultSubcommand: RunCommand.self
    )

    public init() {}
}
