import Hummingbird

/// The token of an `Authorization: Bearer <token>` header, the one way every part of the
/// gateway reads it: auth checks it, and the rate limit and `Idempotency-Key` scopes are keyed by
/// it. The scheme is case-insensitive (RFC 9110 §11.1), so keying anything by the raw header
/// would let `Bearer`, `bearer` and `BEARER` with one token count as three callers.
enum BearerCredentials {
    private static let scheme = "bearer "

    /// The token after the scheme; `nil` when the header is missing or not `Bearer <token>`.
    static func token(in request: Request) -> Substring? {
        guard let header = request.headers[.authorization] else { return nil }
        guard header.utf8.count > scheme.utf8.count, header.prefix(scheme.count).lowercased() == scheme else { return nil }
        return header.dropFirst(scheme.count)
    }
}
