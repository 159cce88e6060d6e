import ForgeCore
import ForgeObservability
import ForgeRedis
import Logging
import ServiceLifecycle

/// Leases jobs from Redis and runs their handlers: bounded concurrency, batched leases and acks,
/// per-job deadlines, heartbeats, graceful drain.
///
/// Its duties are separate loops in one task group: the ``Fetcher`` (leases, waits for wake-ups
/// when idle), the ``AckFlusher`` (batched completions that lease the next jobs), the
/// ``Heartbeater`` (extends leases, stops canceled jobs), the ``Drainer`` (graceful shutdown), the
/// ``WorkerPresenceReporter`` (reports the worker alive), and one ``JobRunner`` task per job. On
/// graceful shutdown (SIGTERM through a `ServiceGroup`) it marks `readiness` draining, stops
/// leasing, lets running jobs finish within the grace period, hands the rest back to their
/// queues, and returns.
public struct WorkerService: Service {
    private let store: QueueStore
    private let handlers: HandlerRegistry
    private let configuration: WorkerConfiguration
    private let metrics: ForgeMetrics
    private let readiness: Readiness?
    private let logger: Logger

    /// - Parameters:
    ///   - store: the queues; its Redis configuration and key space also serve the wake-up
    ///     listener, which holds one connection of its own.
    ///   - readiness: marked draining when graceful shutdown begins, so `/readyz` fails.
    public init(
        store: QueueStore,
        handlers: HandlerRegistry,
        configuration: WorkerConfiguration,
        metrics: ForgeMetrics,
        readiness: Readiness? = nil,
        logger: Logger = Logger(label: "forge.worker")
    ) {
        self.store = store
        self.handlers = handlers
        self.configuration = configuration
        self.metrics = metrics
        self.readiness = readiness
        self.logger = logger
    }

    public func run() async throws {
        try configuration.validate()
        let workerMetrics = WorkerMetrics(metrics: metrics, handlers: handlers, worker: configuration.workerName)
        let startedAtMs = WallClock.nowMilliseconds()
        let state = WorkerState(capacity: configuration.concurrency, metrics: workerMetrics)
        let initial: [QueueSelection.WeightedQueue] =
            switch configuration.queues {
            case .weighted(let list): list
            case .all: []
            }
        let parts = WorkerParts(
            store: store,
            state: state,
            picker: QueuePicker(initial),
            handlers: handlers,
            configuration: configuration,
            metrics: workerMetrics,
            logger: logger,
            interrupt: try QueueName("worker.\(JobID.generate().rawValue)")
        )
        let wake = WakeListener(client: store.redis, keys: store.keys)
        workerMetrics.prepare(initial.map(\.name))
        workerMetrics.concurrency(configuration.concurrency)
        workerMetrics.busy(0)
        workerMetrics.runawaysRunning(0)
        logger.info(
            "worker started",
            metadata: [
                "worker": "\(configuration.workerName)", "concurrency": "\(configuration.concurrency)",
                "handlers": "\(handlers.types)",
            ]
        )

        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await Fetcher(parts: parts, wake: wake).run() }
                group.addTask { await RegistryWatcher(parts: parts).run() }
                group.addTask { await AckFlusher(parts: parts).run() }
                group.addTask { await Heartbeater(parts: parts).run() }
                group.addTask { await Drainer(parts: parts, readiness: readiness).run() }
                group.addTask { await DeadlineWatcher(parts: parts).run() }
                group.addTask { await WorkerPresenceReporter(parts: parts, startedAtMs: startedAtMs).run() }
                let runner = JobRunner(parts: parts)
                // Ends when the drainer is done, or when the service's task is cancelled.
                for await assignment in state.assignments {
                    group.addTask { await runner.run(assignment) }
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            state.beginDrain()
        }
        await wake.shutdown()
        logger.info("worker stopped")
    }
}
