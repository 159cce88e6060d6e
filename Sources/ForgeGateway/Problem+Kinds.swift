import ForgeCore
import ForgeRedis
import HTTPTypes

/// The problems the gateway answers with, one factory per kind, so each status, title and type
/// URI is spelled in one place.
extension Problem {
    /// A refused field: 400 naming it (the request does not match the OpenAPI document).
    public static func invalid(_ error: ValidationError) -> Problem {
        Problem(
            status: 400,
            title: "Invalid request",
            detail: "\(error.field) \(error.reason)",
            field: error.field,
            type: "urn:forge:problem:invalid-request"
        )
    }

    /// A field the document allows but a rule it cannot express refuses (an unknown time zone, a
    /// reused Idempotency-Key): 422 naming it.
    public static func unprocessable(_ error: ValidationError) -> Problem {
        Problem(
            status: 422,
            title: "Unprocessable request",
            detail: "\(error.field) \(error.reason)",
            field: error.field,
            type: "urn:forge:problem:unprocessable"
        )
    }

    public static func notFound(_ detail: String) -> Problem {
        Problem(status: 404, title: "Not found", detail: detail, type: "urn:forge:problem:not-found")
    }

    /// A known path asked with a method it does not serve; `Allow` lists those it does.
    static func methodNotAllowed(_ method: HTTPRequest.Method, path: String, allow: String) -> Problem {
        var problem = Problem(
            status: 405,
            title: "Method not allowed",
            detail: "\(method) is not allowed on \(path); use \(allow)",
            type: "urn:forge:problem:method-not-allowed"
        )
        problem.headers = [("Allow", allow)]
        return problem
    }

    /// The bearer token is past its rate limit.
    static func tooManyRequests(retryAfterSeconds: Int, perSecond: Double) -> Problem {
        var problem = Problem(
            status: 429,
            title: "Too many requests",
            detail: "this token is past its limit of \(Int(perSecond)) requests per second; retry after \(retryAfterSeconds) s",
            type: "urn:forge:problem:rate-limited"
        )
        problem.headers = [("Retry-After", String(retryAfterSeconds))]
        return problem
    }

    public static func conflict(_ detail: String) -> Problem {
        Problem(status: 409, title: "Conflict", detail: detail, type: "urn:forge:problem:conflict")
    }

    public static func badJSON() -> Problem {
        Problem(
            status: 400,
            title: "Invalid request",
            detail: "body is not valid JSON",
            type: "urn:forge:problem:invalid-json"
        )
    }

    /// The body is not JSON; says where and why, so a client can find the mistake.
    static func badJSON(at offset: Int, _ reason: String) -> Problem {
        Problem(
            status: 400,
            title: "Invalid request",
            detail: "body is not valid JSON: \(reason) at byte \(offset)",
            type: "urn:forge:problem:invalid-json"
        )
    }

    public static func tooLarge(limit: Int) -> Problem {
        Problem(
            status: 413,
            title: "Request body too large",
            detail: "the body is larger than \(limit) bytes",
            type: "urn:forge:problem:body-too-large"
        )
    }

    static func unauthorized(_ detail: String) -> Problem {
        var problem = Problem(
            status: 401,
            title: "Unauthorized",
            detail: detail,
            type: "urn:forge:problem:unauthorized"
        )
        problem.headers = [("WWW-Authenticate", "Bearer")]
        return problem
    }

    static func unavailable(_ dependency: String) -> Problem {
        retrySoon(detail: "\(dependency) is unreachable; retry shortly", type: "urn:forge:problem:unavailable")
    }

    /// The job is in Redis, but fewer replicas than `FORGE_WAIT_REPLICAS` confirmed it in time,
    /// so a failover could still lose it: the caller repeats the request under its
    /// Idempotency-Key, which finds the job rather than making a second.
    static func notReplicated(_ error: RedisError) -> Problem {
        retrySoon(
            detail: "\(error.message); repeat the request with the same Idempotency-Key to be sure the job exists once",
            type: "urn:forge:problem:not-replicated"
        )
    }

    /// An ack, fail or heartbeat whose lease is not the job's current one: it expired and the job
    /// was leased again (or reclaimed), the job finished or was canceled, or the token was never
    /// issued. The same answer for all, as for the Swift worker: the call changed nothing.
    static func staleLease(_ id: JobID) -> Problem {
        Problem(
            status: 409,
            title: "Conflict",
            detail: "job \(id) is not leased under this token (the lease expired and the job was leased again, "
                + "or it finished or was canceled); nothing changed: stop working on it",
            field: "token",
            type: "urn:forge:problem:stale-lease"
        )
    }

    /// ``GatewayConfiguration/maxLeaseWaiters`` lease requests are waiting for work already.
    static func tooManyLeaseWaiters(limit: Int) -> Problem {
        retrySoon(
            detail: "\(limit) lease requests are waiting for work on this gateway, its limit; retry shortly or with a shorter wait_ms",
            type: "urn:forge:problem:lease-waiters"
        )
    }

    /// One problem for a batch with invalid items: 400 when any item does not match the document,
    /// else 422; `field` names the first, `errors` lists them ("3 of 10 jobs refused, none enqueued").
    static func batchRefusal(of refused: [RequestError], items: Int, noun: String, outcome: String) -> Problem {
        let first = refused.first { if case .invalid = $0 { true } else { false } } ?? refused[0]
        var problem = first.problem
        problem.detail += "; \(refused.count) of \(items) \(noun) refused, \(outcome)"
        problem.errors = refused.prefix(Problem.maxListedErrors).map {
            Problem.FieldProblem(field: $0.validation.field, detail: "\($0.validation.field) \($0.validation.reason)")
        }
        return problem
    }

    /// A 503 worth repeating in a second.
    private static func retrySoon(detail: String, type: String) -> Problem {
        var problem = Problem(status: 503, title: "Service unavailable", detail: detail, type: type)
        problem.headers = [("Retry-After", "1")]
        return problem
    }

    /// A queue refusing a call although Redis answered: over the queue limit, or back-pressure.
    static func refusal(_ error: QueueError) -> Problem {
        error.code == .queueLimit ? queueLimit(error) : backpressure(error)
    }

    /// The queue refuses enqueues until its history is archived (Postgres down or slow).
    static func backpressure(_ error: QueueError) -> Problem {
        var problem = Problem(
            status: 503,
            title: "Service unavailable",
            detail: error.description,
            type: "urn:forge:problem:backpressure"
        )
        problem.headers = [("Retry-After", "5")]
        return problem
    }

    /// A new queue would exceed ``GatewayConfiguration/maxQueues``: 422 naming `field` (the
    /// request's queue: `queue`, or `job.queue` of a schedule), since the same request to an
    /// existing queue succeeds (delete unused queues to make room).
    static func queueLimit(_ error: QueueError, field: String = "queue") -> Problem {
        Problem(
            status: 422,
            title: "Unprocessable request",
            detail: error.description,
            field: field,
            type: "urn:forge:problem:queue-limit"
        )
    }

    /// A new schedule would exceed ``GatewayConfiguration/maxSchedules``: 422 naming `name`, since
    /// replacing an existing schedule succeeds (delete unused schedules to make room).
    static func scheduleLimit(_ name: String, limit: Int) -> Problem {
        Problem(
            status: 422,
            title: "Unprocessable request",
            detail: "schedule \(name) not created: \(limit) schedules exist, the configured limit; delete one or raise the limit",
            field: "name",
            type: "urn:forge:problem:schedule-limit"
        )
    }

    static func internalError() -> Problem {
        Problem(
            status: 500,
            title: "Internal server error",
            detail: "the request failed; the gateway log has details",
            type: "urn:forge:problem:internal"
        )
    }
}
