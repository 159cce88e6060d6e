import ForgeObservability
import Hummingbird
import Logging
import ServiceLifecycle

/// The HTTP server of services without an API (scheduler, worker): probes and `/metrics` only.
public enum ProbeServer {
    public static func make(
        host: String,
        port: Int,
        readiness: Readiness,
        metrics: ForgeMetrics,
        logger: Logger
    ) -> some Service {
        let router = Router()
        router.add(middleware: HTTPMetricsMiddleware(metrics: metrics))
        Probes.add(to: router, readiness: readiness, metrics: metrics)
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "forge"),
            logger: logger
        )
    }
}
