/// A parsed cron expression: 5 fields (`minute hour day-of-month month day-of-week`) or 6 with a
/// leading seconds field; lists, ranges, steps, `*`, month and weekday names.
///
/// PLACEHOLDER: the scheduler work replaces this file with the real parser and next-fire search;
/// the signatures below are the contract the gateway and scheduler use.
public struct CronExpression: Sendable, Hashable {
    public let source: String

    /// Throws a ``ValidationError`` naming `field` (default `cron`) when the text is not valid.
    public init(_ text: String, field: String = "cron") throws(ValidationError) {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 5 || parts.count == 6 else {
            throw ValidationError(field: field, reason: "must have 5 fields (or 6 with seconds)")
        }
        source = text
    }

    /// The first fire time strictly after `afterMs` (Unix ms) in `timeZone` (IANA name), or nil if
    /// none within the next few years.
    public func nextFire(afterMs: Int64, timeZone: String) -> Int64? {
        nil
    }
}
