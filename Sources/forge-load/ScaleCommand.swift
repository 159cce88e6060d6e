import ArgumentParser
import ForgeLoad
import FoundationEssentials

/// `forge-load scale --workers 1,2,4,8`: the same load against each worker count.
struct ScaleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale",
        abstract: "Drive the same load against 1, 2, 4, … workers and report throughput and scaling efficiency.",
        discussion: """
            By default starts local forge-worker processes (from --bin-dir) for each step, each on its own \
            port, serving a fresh queue per step; they inherit FORGE_REDIS_URL, FORGE_NAMESPACE and the rest \
            of the environment. Run it against a stack without workers of its own (scripts/forge-up --workers 0). \
            The offered load must exceed what one worker completes, e.g. --sleep-ms 20 --concurrency 4 gives \
            200 jobs/s per worker, so --rps 2000 (or --max) keeps 8 workers busy.
            """
    )

    @OptionGroup var load: LoadOptions
    @OptionGroup var output: OutputOptions

    @Option(help: "Worker counts, ascending, comma-separated.")
    var workers = "1,2,4,8"

    @Option(help: "Each local worker's --concurrency (jobs in flight per worker).")
    var concurrency: Int?

    @Option(parsing: .singleValue, help: "An extra argument for every local worker (repeat for several).")
    var workerArg: [String] = []

    @Option(help: "Directory holding forge-worker (default: forge-load's own).")
    var binDir: String?

    @Option(help: "Redis URL for local workers (default: FORGE_REDIS_URL as inherited).")
    var redisURL: String?

    @Option(help: "Redis namespace for local workers (default: FORGE_NAMESPACE as inherited).")
    var namespace: String?

    @Option(help: "Local worker i listens on this port + i (default: free ports).")
    var workerPortBase: Int?

    @Option(help: "Where local workers write their logs.")
    var logDir = FileManager.default.temporaryDirectory.appendingPathComponent("forge-load-workers").path

    @Option(help: "Scale this Kubernetes Deployment instead of starting local workers.")
    var kubectl: String?

    @Option(help: "Namespace of the --kubectl Deployment.")
    var kubectlNamespace: String?

    @Option(help: "Scale this Docker Compose service instead of starting local workers.")
    var compose: String?

    @Option(help: "Compose file for --compose.")
    var composeFile: String?

    @Option(help: "How long to wait for a rollout (--kubectl).")
    var rolloutTimeout = "5m"

    func run() async throws {
        let settings: LoadSettings
        let counts: [Int]
        let fleet: any WorkerFleet
        do {
            settings = try load.settings()
            counts = try ScaleRun.parseCounts(workers)
            fleet = try makeFleet()
        } catch let error as LoadError {
            throw ValidationError(error.message)
        }
        let console = Console()
        let report = try await ScaleRun(settings: settings, counts: counts, fleet: fleet, progress: console.show).execute()
        print(ScaleTable.render(report))
        try output.write(json: ReportFiles.json(report), svg: ScaleChart.make(report).render())
    }

    private func makeFleet() throws -> any WorkerFleet {
        guard kubectl == nil || compose == nil else { throw LoadError.invalid("--kubectl", "choose --kubectl or --compose, not both") }
        if let kubectl {
            return KubectlFleet(
                deployment: kubectl,
                namespace: kubectlNamespace,
                rolloutTimeout: try DurationText.parse(rolloutTimeout, flag: "--rollout-timeout")
            )
        }
        if let compose { return ComposeFleet(service: compose, file: composeFile) }
        if let concurrency, !(1...100_000).contains(concurrency) { throw LoadError.invalid("--concurrency", "must be 1…100000") }
        var environment: [String: String] = [:]
        if let redisURL { environment["FORGE_REDIS_URL"] = redisURL }
        if let namespace { environment["FORGE_NAMESPACE"] = namespace }
        // Workers log JSON lines per job at info; warning keeps their logs out of the measurement.
        if ProcessInfo.processInfo.environment["FORGE_LOG_LEVEL"] == nil { environment["FORGE_LOG_LEVEL"] = "warning" }
        let directory = binDir.map { URL(fileURLWithPath: $0) } ?? Self.ownDirectory
        return try LocalWorkerFleet(
            options: .init(
                binary: directory.appendingPathComponent("forge-worker"),
                concurrency: concurrency,
                extraArguments: workerArg,
                environment: environment,
                portBase: workerPortBase,
                logDirectory: URL(fileURLWithPath: logDir)
            )
        )
    }

    /// The directory of the running forge-load (where `swift build` also put forge-worker).
    static var ownDirectory: URL {
        let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: path).deletingLastPathComponent()
    }
}
