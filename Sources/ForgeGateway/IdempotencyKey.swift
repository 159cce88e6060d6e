import ForgeCore
import HTTPTypes
import Hummingbird

/// The `Idempotency-Key` request header (IETF draft httpapi-idempotency-key-header) of the
/// enqueue endpoints: a client that retries a request with the same key gets the first request's
/// jobs instead of new ones.
///
/// Keys live in a key space of their own (``KeySpace/idempotency(_:)``), scoped by bearer token
/// and endpoint, so they never meet a job's `unique_key` nor another client's keys. A record
/// holds the first request's fingerprint (SHA-256 of its body) and the ids it proposed; a repeat
/// with the same body enqueues those same ids (the enqueue script never creates an id twice, so
/// the answer is the first one, concurrent repeats included), a repeat with another body is a 422
/// naming the header.
package struct IdempotencyKey: Sendable {
    static let header = HTTPField.Name("Idempotency-Key")!

    /// Identifies (token, endpoint, key) in Redis; hex SHA-256, so any key text is a safe Redis key.
    let digest: String
    /// Identifies the request body.
    let fingerprint: String

    /// The request's key, or `nil` without the header.
    ///
    /// The draft spells the value as a structured-field string (`"8e03978e-…"`); the value is
    /// taken as sent, quotes included, so a client that always sends the same spelling (quoted or
    /// bare) gets the same key.
    init?(_ request: Request, endpoint: String, body: [UInt8]) throws(ValidationError) {
        let values = request.headers[values: Self.header]
        guard let raw = values.first else { return nil }
        guard values.count == 1 else { throw Self.invalid("must be given once") }
        let key = try Self.key(from: raw)
        var scope = SHA256()
        scope.update(data: Array(Self.scope(of: request).utf8))
        scope.update(data: [0])
        scope.update(data: Array(endpoint.utf8))
        scope.update(data: [0])
        scope.update(data: Array(key.utf8))
        digest = scope.finalize().lowercaseHex
        fingerprint = SHA256.hash(data: body).lowercaseHex
    }

    /// The key: the header value as sent, 1 to 256 visible ASCII characters (inner spaces
    /// allowed), exactly the document's pattern; anything else is a 400 naming the header.
    package static func key(from raw: String) throws(ValidationError) -> String {
        guard (1...256).contains(raw.utf8.count) else { throw invalid("must be 1 to 256 characters long") }
        guard raw.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) else {
            throw invalid("must be visible ASCII characters (and inner spaces)")
        }
        guard raw.utf8.first != 0x20, raw.utf8.last != 0x20 else { throw invalid("must not start or end with a space") }
        return raw
    }

    /// The caller's scope: its bearer token (hashed with the rest), whatever the casing of the
    /// scheme; spelled as the canonical header so keys stored before this rule keep their scope.
    /// Without a bearer token (auth off) the header as sent, or one shared scope without one.
    private static func scope(of request: Request) -> String {
        BearerCredentials.token(in: request).map { "Bearer " + $0 } ?? request.headers[.authorization] ?? "anonymous"
    }

    private static func invalid(_ reason: String) -> ValidationError {
        ValidationError(field: "Idempotency-Key", reason: reason)
    }

    /// The 422 for a key reused with another body.
    static func reused() -> RequestError {
        .unprocessable(
            invalid(
                "was already used with a different request; send a new key for a new request (the same body with the same key replays the first answer)"
            )
        )
    }
}
