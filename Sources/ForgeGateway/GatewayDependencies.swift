import ForgeObservability
import ForgePostgres
import ForgeRedis
import Logging

/// What the routes talk to; the executable builds these from its configuration, tests from
/// their own isolated namespaces and schemas.
public struct GatewayDependencies: Sendable {
    public var queues: QueueStore
    /// The store list reads use (dead letters): the same keys over a Redis client of its own.
    ///
    /// A client's lanes each carry one round trip at a time, and every request queued meanwhile
    /// waits for it (``RedisClient``). A list reads megabytes of job hashes; on the lanes that
    /// serve enqueues, the enqueues queued behind its round trips would wait for each of them. A
    /// second client is the simplest isolation (two more connections and threads per gateway; a
    /// priority inside the lanes would still let a list's round trip be on the wire when an
    /// enqueue arrives): list reads then wait only for each other. Defaults to ``queues``.
    public var listQueues: QueueStore
    public var schedules: ScheduleStore
    public var history: HistoryStore
    public var readiness: Readiness
    public var metrics: ForgeMetrics
    public var logger: Logger
    /// With `FORGE_DURABILITY=postgres`, what commits accepted jobs to history before Redis sees
    /// them; `nil` (`redis`): a job is accepted once Redis has it.
    public var acceptedJobs: AcceptedJobWriter?
    /// Where lease requests wait for work; its loop runs with the gateway (``GatewayApplication``).
    let leaseRoom: LeaseWaitRoom
    /// The lease API's workers, reported for Forge Web's workers list; its loop runs with the
    /// gateway too.
    let remoteWorkers: RemoteWorkerRoster

    public init(
        queues: QueueStore,
        schedules: ScheduleStore,
        history: HistoryStore,
        readiness: Readiness,
        metrics: ForgeMetrics,
        logger: Logger,
        listQueues: QueueStore? = nil,
        acceptedJobs: AcceptedJobWriter? = nil
    ) {
        self.queues = queues
        self.listQueues = listQueues ?? queues
        self.schedules = schedules
        self.history = history
        self.readiness = readiness
        self.metrics = metrics
        self.logger = logger
        self.acceptedJobs = acceptedJobs
        leaseRoom = LeaseWaitRoom(store: queues, metrics: metrics, logger: logger)
        remoteWorkers = RemoteWorkerRoster(registry: queues.workerRegistry, logger: logger)
    }

    /// Connections of the list reads' Redis client. A list's round trips fetch about 1 MiB each
    /// (``QueueStore/deadLetterPage(_:after:limit:maxBytes:)``), so two serve several lists at once.
    public static let listConnections = 2
}
