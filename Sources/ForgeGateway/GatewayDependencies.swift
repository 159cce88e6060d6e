import ForgeObservability
import ForgePostgres
import ForgeRedis
import Logging

/// What the routes talk to; the executable builds these from its configuration, tests from
/// their own isolated namespaces and schemas.
public struct GatewayDependencies: Sendable {
    public var queues: QueueStore
    public var schedules: ScheduleStore
    public var history: HistoryStore
    public var readiness: Readiness
    public var metrics: ForgeMetrics
    public var logger: Logger

    public init(
        queues: QueueStore, schedules: ScheduleStore, history: HistoryStore, readiness: Readiness,
        metrics: ForgeMetrics, logger: Logger
    ) {
        self.queues = queues
        self.schedules = schedules
        self.history = history
        self.readiness = readiness
        self.metrics = metrics
        self.logger = logger
    }
}
