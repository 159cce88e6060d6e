import ForgeObservability
import ForgeProbes
import Hummingbird
import NIOCore

/// The gateway's routes: probes and `/metrics` (open), `/openapi.yaml` (open), and the `/v1` API
/// behind bearer-token auth (unless ``GatewayConfiguration/authEnabled`` is off).
///
/// Middleware order, outermost first: HTTP metrics (sees the final status of every request),
/// problem mapping (turns every thrown error into a problem document), then auth and the
/// per-token rate limit on `/v1`.
/// A known path asked with a method it does not serve answers 405 (``MethodNotAllowed``).
public func buildGatewayRouter(
    configuration: GatewayConfiguration,
    dependencies: GatewayDependencies
) -> Router<BasicRequestContext> {
    let router = servedRoutes(configuration: configuration, dependencies: dependencies)
    // Forge Web: pages, not API, so not in the OpenAPI document (nor in `servedRoutes`).
    if configuration.webMode != .off {
        WebRoutes(configuration: configuration, dependencies: dependencies).register(on: router)
    }
    MethodNotAllowed.register(on: router)
    return router
}

/// The router with the routes the gateway serves and nothing else: what the OpenAPI document
/// describes (`RouteTableTests` compares the two).
package func servedRoutes(
    configuration: GatewayConfiguration,
    dependencies: GatewayDependencies
) -> Router<BasicRequestContext> {
    // HEAD answers wherever GET does (its headers, no body), as RFC 9110 asks of every server.
    let router = Router(options: .autoGenerateHeadEndpoints)
    router.add(middleware: HTTPMetricsMiddleware(metrics: dependencies.metrics))
    router.add(
        middleware: ProblemMiddleware(
            metrics: dependencies.metrics,
            logger: dependencies.logger,
            maxBodyBytes: configuration.maxBodyBytes
        )
    )
    Probes.add(to: router, readiness: dependencies.readiness, metrics: dependencies.metrics)
    router.get("openapi.yaml") { _, _ in
        Response(
            status: .ok,
            headers: [.contentType: "application/yaml; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.bytes))
        )
    }
    let v1 = router.group("v1")
    if configuration.authEnabled {
        v1.add(middleware: AuthMiddleware(tokens: configuration.apiTokens))
    }
    if configuration.rateLimitPerSecond > 0 {
        v1.add(
            middleware: RateLimitMiddleware(
                limiter: RateLimiter(perSecond: configuration.rateLimitPerSecond, burst: configuration.rateLimitBurst),
                perToken: configuration.authEnabled
            )
        )
    }
    JobRoutes(configuration: configuration, dependencies: dependencies).register(on: v1)
    LeaseRoutes(configuration: configuration, dependencies: dependencies).register(on: v1)
    QueueRoutes(dependencies: dependencies, maxQueues: configuration.maxQueues).register(on: v1)
    DeadLetterRoutes(configuration: configuration, dependencies: dependencies).register(on: v1)
    ScheduleRoutes(configuration: configuration, dependencies: dependencies).register(on: v1)
    return router
}
