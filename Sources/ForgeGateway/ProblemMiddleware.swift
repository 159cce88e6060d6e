import ForgeCore
import ForgeObservability
import ForgePostgres
import ForgeRedis
import Hummingbird
import Logging
import NIOCore
import Prometheus

/// Turns every error a route throws into an `application/problem+json` response: the one place
/// that decides which failure becomes which status.
///
/// - ``Problem``: as thrown.
/// - ``ValidationError``: 400 naming the field; ``RequestError``: 400 or 422 naming the field.
/// - Redis / Postgres unreachable: 503 with `Retry-After: 1` (the clients reconnect lazily, so the
///   next request after the outage succeeds); any other Redis / Postgres failure: 500 without the
///   internal message, which goes to the log instead.
/// - ``QueueError``: a queue refusing enqueues under back-pressure, 503 with `Retry-After: 5`; a
///   new queue past the queue limit, 422 naming `queue`.
/// - A Postgres statement timeout (a history search that no index serves well): 503 naming the
///   limit, so a caller narrows the search instead of reporting a server bug.
/// - Hummingbird's own errors (unknown route, too large a body): their status.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ForgeMetrics
    let logger: Logger
    let maxBodyBytes: Int

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return problem(for: error, request: request).response
        }
    }

    func problem(for error: any Error, request: Request) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let validation as ValidationError:
            return .invalid(validation)
        case let request as RequestError:
            return request.problem
        case let refused as QueueError:
            return .refusal(refused)
        case let redis as RedisError where redis.code == .notReplicated:
            logger.warning("enqueue not confirmed by replicas", metadata: ["error": "\(redis.message)"])
            return .notReplicated(redis)
        case let redis as RedisError:
            metrics.redisErrors.increment()
            log(error, request)
            return redis.isUnavailable ? .unavailable("Redis") : .internalError()
        case let postgres as PostgresError where postgres.code == .timeout:
            logger.warning(
                "search timed out",
                metadata: ["path": "\(request.uri.path)", "query": "\(request.uri.query ?? "")"]
            )
            return Problem(
                status: 503,
                title: "Service unavailable",
                detail: "\(postgres.message); narrow it with queue, state, type or a created_after/created_before window",
                type: "urn:forge:problem:search-timeout"
            )
        case let postgres as PostgresError:
            metrics.postgresErrors.increment()
            log(error, request)
            return postgres.isUnavailable ? .unavailable("Postgres") : .internalError()
        case is NIOTooManyBytesError:
            return .tooLarge(limit: maxBodyBytes)
        case let http as any HTTPResponseError:
            let code = Int(http.status.code)
            if code == 413 { return .tooLarge(limit: maxBodyBytes) }
            let reason = http.status.reasonPhrase
            return Problem(status: code, title: reason, detail: detail(for: code, request: request) ?? reason)
        default:
            log(error, request)
            return .internalError()
        }
    }

    private func detail(for status: Int, request: Request) -> String? {
        switch status {
        case 404: "no route for \(request.method) \(request.uri.path)"
        case 405: "\(request.method) is not allowed on \(request.uri.path)"
        default: nil
        }
    }

    private func log(_ error: any Error, _ request: Request) {
        logger.error(
            "request failed",
            metadata: ["method": "\(request.method)", "path": "\(request.uri.path)", "error": "\(error)"]
        )
    }
}
