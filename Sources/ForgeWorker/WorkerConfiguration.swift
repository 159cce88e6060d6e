import ForgeCore
import ForgeRedis
import FoundationEssentials

/// How a ``WorkerService`` runs; `forge-worker` fills it from flags and `FORGE_*` variables.
public struct WorkerConfiguration: Sendable {
    public var queues: QueueSelection
    /// Handlers running at once, at most.
    public var concurrency: Int
    /// Jobs asked for per lease call, at most (never more than the free slots).
    public var leaseBatch: Int
    /// How long a lease lasts without a heartbeat; heartbeats run every third of it.
    public var visibilityMs: Int64
    /// How long a graceful shutdown waits for running handlers before it cancels them and hands
    /// their jobs back.
    public var gracePeriod: Duration
    /// After the grace period, how long the worker waits for the handlers it told to stop to end
    /// before it stops waiting; only the leases of ended handlers are handed back at once (the
    /// others expire), so a job never runs here and on its next owner at the same time.
    public var stopTimeout: Duration
    /// How long a handler may run on past its job's `timeout_ms` (when it is cancelled) before the
    /// worker gives up on it: stops heartbeating its job, fails the attempt as timed out, frees its
    /// slot and drops whatever it returns later. Swift cannot kill a task, so a handler that never
    /// returns keeps its memory; `forge_worker_runaway_handlers` shows how many do.
    public var runawayGrace: Duration
    /// Recorded on each lease (job hash `worker`) and used as the `worker` metric label.
    public var workerName: String
    /// How often `*` re-reads the queue registry, which bounds how late the first job of a brand
    /// new queue is picked up (its wake-ups go to a list the idle wait does not cover yet; a
    /// change interrupts the wait). One SMEMBERS per idle worker every 250 ms is cheap; a
    /// broadcast would need pub/sub next to BLPOP.
    public var queueRefreshInterval: Duration
    /// How long one idle wait for a wake-up lasts before the worker looks again.
    public var idleWaitMs: Int
    /// How often the worker reports itself alive (``WorkerRegistry``); readers count it gone
    /// after about three intervals without a report.
    public var presenceInterval: Duration = .milliseconds(WorkerRegistry.defaultIntervalMs)

    public init(
        queues: QueueSelection = .weighted([.init(name: .default)]),
        concurrency: Int = WorkerConfiguration.defaultConcurrency,
        leaseBatch: Int = WorkerConfiguration.defaultLeaseBatch,
        visibilityMs: Int64 = 30_000,
        gracePeriod: Duration = .seconds(25),
        stopTimeout: Duration = .seconds(5),
        runawayGrace: Duration = .seconds(5),
        workerName: String = WorkerConfiguration.defaultWorkerName,
        queueRefreshInterval: Duration = .milliseconds(250),
        idleWaitMs: Int = 1_000
    ) {
        self.queues = queues
        self.concurrency = concurrency
        self.leaseBatch = leaseBatch
        self.visibilityMs = visibilityMs
        self.gracePeriod = gracePeriod
        self.stopTimeout = stopTimeout
        self.runawayGrace = runawayGrace
        self.workerName = workerName
        self.queueRefreshInterval = queueRefreshInterval
        self.idleWaitMs = idleWaitMs
    }

    /// A hundred jobs in flight: handlers are async and mostly wait on I/O, so slots cost little,
    /// and more jobs per round trip is what makes short jobs fast (measured with 2 workers on 2
    /// cores: 4 slots drained ~5 600 no-op jobs/s, 64 slots ~12 500, 128 ~17 800).
    public static var defaultConcurrency: Int { 100 }

    /// Jobs asked for per lease call by default: half the default slots, so a batch of acks can
    /// lease the next batch in the same round trip while the rest still run.
    public static let defaultLeaseBatch = 50

    /// The values ``validate()`` accepts; the command's flags share them.
    public static let concurrencyRange = 1...100_000
    public static let leaseBatchRange = 1...1000
    public static let visibilityMsRange = LeasedJob.visibilityMsRange
    public static let runawayGraceMsRange: ClosedRange<Int64> = 0...86_400_000

    /// `hostname-pid`, unique enough to tell workers apart in job hashes and metrics.
    public static var defaultWorkerName: String {
        "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
    }

    /// Refuses settings the worker cannot run with, naming the field.
    public func validate() throws(ForgeCore.ValidationError) {
        guard Self.concurrencyRange.contains(concurrency) else {
            throw ValidationError(field: "concurrency", reason: Self.between(Self.concurrencyRange))
        }
        guard Self.leaseBatchRange.contains(leaseBatch) else {
            throw ValidationError(field: "batch", reason: Self.between(Self.leaseBatchRange))
        }
        guard Self.visibilityMsRange.contains(visibilityMs) else {
            throw ValidationError(field: "visibility_ms", reason: Self.between(Self.visibilityMsRange))
        }
        guard gracePeriod >= .zero else {
            throw ValidationError(field: "grace", reason: "must not be negative")
        }
        guard stopTimeout >= .zero else {
            throw ValidationError(field: "stop_timeout", reason: "must not be negative")
        }
        let runawayGraceRange =
            Duration.milliseconds(Self.runawayGraceMsRange.lowerBound)...Duration.milliseconds(Self.runawayGraceMsRange.upperBound)
        guard runawayGraceRange.contains(runawayGrace) else {
            throw ValidationError(field: "runaway_grace_ms", reason: Self.between(Self.runawayGraceMsRange))
        }
        guard !workerName.isEmpty, workerName.utf8.count <= 200 else {
            throw ValidationError(field: "name", reason: "must be 1 to 200 bytes long")
        }
        guard presenceInterval > .zero else {
            throw ValidationError(field: "presence_interval", reason: "must be positive")
        }
        if case .weighted(let list) = queues, list.isEmpty {
            throw ValidationError(field: "queues", reason: "name at least one queue, or '*'")
        }
    }

    private static func between<Value>(_ range: ClosedRange<Value>) -> String {
        "must be between \(range.lowerBound) and \(range.upperBound)"
    }

    var heartbeatInterval: Duration { .milliseconds(visibilityMs / 3) }
}
