import Hummingbird

/// Limits each bearer token on `/v1` to ``GatewayConfiguration/rateLimitPerSecond`` with bursts
/// up to ``GatewayConfiguration/rateLimitBurst``: past it, 429 problem+json with `Retry-After`.
/// Runs after auth, so only accepted tokens get a bucket (and a bad token is still a 401).
struct RateLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    let limiter: RateLimiter
    /// `false` when auth is off: every caller shares one bucket, since an unchecked header
    /// would let a client mint a bucket per request.
    let perToken: Bool

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        // Auth ran first, so with auth on the token is one of the configured ones.
        let key = perToken ? BearerCredentials.token(in: request).map(String.init) ?? "" : ""
        if let wait = limiter.take(key) {
            throw Problem.tooManyRequests(retryAfterSeconds: wait, perSecond: limiter.perSecond)
        }
        return try await next(request, context)
    }
}
