/// A value supplied by a caller that Forge refuses, with the field it came from.
///
/// The gateway turns this into a `400 application/problem+json` document and the CLI into an
/// error line; both name ``field`` so the caller knows exactly what to fix.
public struct ValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The offending field as the caller spelled it, e.g. `queue` or `jobs[3].priority`.
    public var field: String
    /// Why the value was refused, written for a person.
    public var reason: String

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    /// The same error for a field nested under `prefix` (`jobs[3]` + `priority` → `jobs[3].priority`).
    public func nested(under prefix: String) -> ValidationError {
        ValidationError(field: "\(prefix).\(field)", reason: reason)
    }

    public var description: String { "\(field): \(reason)" }
}
