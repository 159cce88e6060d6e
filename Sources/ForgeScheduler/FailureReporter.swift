import ForgeObservability
import ForgePostgres
import ForgeRedis
import Logging
import Prometheus

/// Logs a failed duty pass and counts it as `forge_redis_errors_total` or
/// `forge_postgres_errors_total`, so every duty handles outages the same way.
public struct FailureReporter: Sendable {
    let metrics: ForgeMetrics
    let logger: Logger

    public init(metrics: ForgeMetrics, logger: Logger) {
        self.metrics = metrics
        self.logger = logger
    }

    public func report(_ error: any Error, duty: String) {
        var metadata: Logger.Metadata = ["duty": "\(duty)", "error": "\(error)"]
        switch error {
        case is NotLeading:
            // The replica stepped down while the pass started; its duties are being stopped.
            logger.debug("scheduler duty skipped: not leading", metadata: metadata)
            return
        case is RedisError:
            metrics.redisErrors.increment()
            metadata["dependency"] = "redis"
        case let error as PostgresError:
            metrics.postgresErrors.increment()
            metadata["dependency"] = "postgres"
            // 42P01 undefined_table, 3F000 invalid_schema_name: the schema was never migrated.
            if error.sqlState == "42P01" || error.sqlState == "3F000" {
                logger.error("history tables are missing: run `forge migrate` first", metadata: metadata)
                return
            }
        default:
            break
        }
        logger.error("scheduler duty failed; retrying with backoff", metadata: metadata)
    }
}
