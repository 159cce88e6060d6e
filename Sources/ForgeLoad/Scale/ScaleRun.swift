import ForgeCore
import FoundationEssentials

/// `forge-load scale`: the same load against 1, 2, 4, … workers, one ``LoadRun`` per count
/// (warm-up, then measure), and the throughput each step completed.
public struct ScaleRun: Sendable {
    public let settings: LoadSettings
    public let counts: [Int]
    public let fleet: any WorkerFleet
    public let progress: @Sendable (ProgressEvent) -> Void

    public init(settings: LoadSettings, counts: [Int], fleet: any WorkerFleet, progress: @escaping @Sendable (ProgressEvent) -> Void) {
        self.settings = settings
        self.counts = counts
        self.fleet = fleet
        self.progress = progress
    }

    /// Parses `--workers 1,2,4,8`: positive, ascending, no repeats.
    public static func parseCounts(_ text: String) throws(LoadError) -> [Int] {
        let parts = text.split(separator: ",").map { $0.trimmingSpaces }
        var counts: [Int] = []
        for part in parts {
            guard let count = Int(part), (1...256).contains(count) else {
                throw .invalid("--workers", "'\(part)' is not a worker count (1…256)")
            }
            counts.append(count)
        }
        guard !counts.isEmpty else { throw .invalid("--workers", "name at least one count, e.g. 1,2,4,8") }
        guard counts == counts.sorted(), Set(counts).count == counts.count else {
            throw .invalid("--workers", "list the counts in ascending order without repeats")
        }
        return counts
    }

    public func execute() async throws -> ScaleReport {
        // Local steps each get a fresh queue, so one step's leftovers never reach the next.
        let runID = String(UUID().uuidString.prefix(4)).lowercased()
        var runs: [ScaleReport.Run] = []
        do {
            for count in counts {
                let queue = fleet.usesFreshQueues ? "\(settings.job.queue)-\(runID)-w\(count)" : settings.job.queue
                var step = settings
                step.job.queue = queue
                let names = step.queueNames
                progress(
                    .notice("scale: \(count) worker\(count == 1 ? "" : "s") on queue\(names.count == 1 ? "" : "s") \(names.joined(separator: ","))")
                )
                let workerMetrics = try await fleet.scale(to: count, queues: names)
                step.metricsURLs =
                    (settings.metricsURLs ?? SystemProbe.forgeUpLayout(gateway: settings.baseURL, workers: 0))
                    + workerMetrics
                // A fresh queue needs no drain; a shared one must be empty before the next step.
                if fleet.usesFreshQueues { step.drainTimeout = .zero }
                runs.append((count, try await LoadRun(settings: step, progress: progress).execute(), workerMetrics))
            }
        } catch {
            await fleet.shutdown()
            throw error
        }
        await fleet.shutdown()
        return ScaleReport(runs: runs)
    }
}
