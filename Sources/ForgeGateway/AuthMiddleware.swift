import Hummingbird

/// Requires `Authorization: Bearer <token>` with one of the configured tokens on every route it
/// wraps (`/v1/*`); anything else is a 401 problem with `WWW-Authenticate: Bearer`.
struct AuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let tokens: [[UInt8]]

    init(tokens: [String]) {
        self.tokens = tokens.map { Array($0.utf8) }
    }

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard request.headers[.authorization] != nil else {
            throw Problem.unauthorized("missing Authorization: Bearer <token> header")
        }
        guard let token = BearerCredentials.token(in: request) else {
            throw Problem.unauthorized("the Authorization header must be Bearer <token>")
        }
        let presented = Array(token.utf8)
        guard Self.matchesAny(presented, tokens) else {
            throw Problem.unauthorized("the bearer token is not valid")
        }
        return try await next(request, context)
    }

    /// Compares against every token without stopping early and without branching on byte
    /// values, so the response time does not reveal how much of a token was right.
    static func matchesAny(_ presented: [UInt8], _ tokens: [[UInt8]]) -> Bool {
        var matched: UInt8 = 0
        for token in tokens {
            matched |= constantTimeEquals(presented, token)
        }
        return matched == 1
    }

    /// 1 when equal, else 0; time depends only on the lengths.
    static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> UInt8 {
        var difference = UInt8(truncatingIfNeeded: lhs.count ^ rhs.count)
        difference |= lhs.count == rhs.count ? 0 : 1
        for index in 0..<lhs.count {
            // Compare against a byte of rhs even when lengths differ, so the loop's cost is fixed.
            let other = rhs.isEmpty ? 0 : rhs[index % rhs.count]
            difference |= lhs[index] ^ other
        }
        return difference == 0 ? 1 : 0
    }
}
