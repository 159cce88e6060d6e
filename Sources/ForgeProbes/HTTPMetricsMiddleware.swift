import ForgeCore
import ForgeObservability
import Hummingbird
import Prometheus

/// Counts and times every request as `forge_http_requests_total{route,method,status}` and
/// `forge_http_request_seconds{route,method}`.
///
/// `route` is the matched route template (`/v1/jobs/{id}`), never the raw path, so job ids do
/// not explode the label set; unmatched paths share one value. `method` is one of the standard
/// methods or `other`: a method is any token a client cares to send.
public struct HTTPMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    private let metrics: ForgeMetrics

    public init(metrics: ForgeMetrics) { self.metrics = metrics }

    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            record(request, context, status: response.status.code, since: start)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            record(request, context, status: status, since: start)
            throw error
        }
    }

    private func record(_ request: Request, _ context: Context, status: Int, since start: ContinuousClock.Instant) {
        let route = context.endpointPath ?? "unmatched"
        let method = standardMethods.contains(request.method.rawValue) ? request.method.rawValue : "other"
        metrics.httpRequests(route: route, method: method, status: String(status)).increment()
        metrics.httpRequestSeconds(route: route, method: method).record((ContinuousClock.now - start).seconds)
    }
}

/// The `method` label values besides `other`.
private let standardMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "QUERY"]
