/// Retry delay policy: exponential with full jitter (AWS architecture blog, "Exponential Backoff
/// And Jitter"): the delay before retry `n` is uniform in `[0, min(cap, base · 2^(n-1))]`.
///
/// Full jitter spreads a burst of failures (a downstream outage) over the whole window instead of
/// bringing every retry back at the same instant.
public struct Backoff: Sendable, Hashable, Codable {
    public var baseMs: Int64
    public var capMs: Int64

    public static let standard = Backoff(uncheckedBaseMs: 1_000, capMs: 3_600_000)

    public init(baseMs: Int64, capMs: Int64) throws(ValidationError) {
        guard (1...86_400_000).contains(baseMs) else {
            throw ValidationError(field: "backoff.base_ms", reason: "must be between 1 and 86400000")
        }
        guard (baseMs...604_800_000).contains(capMs) else {
            throw ValidationError(field: "backoff.cap_ms", reason: "must be between base_ms and 604800000")
        }
        self.init(uncheckedBaseMs: baseMs, capMs: capMs)
    }

    init(uncheckedBaseMs: Int64, capMs: Int64) {
        self.baseMs = uncheckedBaseMs
        self.capMs = capMs
    }

    /// The upper bound of the delay after `attempt` failed attempts (1-based).
    public func ceilingMs(afterAttempt attempt: Int) -> Int64 {
        let exponent = max(0, attempt - 1)
        // Past 2^40 the product is far beyond any cap; stop before it overflows.
        guard exponent < 40 else { return capMs }
        let (product, overflow) = baseMs.multipliedReportingOverflow(by: Int64(1) << exponent)
        return overflow ? capMs : min(capMs, product)
    }

    /// A jittered delay after `attempt` failed attempts.
    public func delayMs(afterAttempt attempt: Int, using generator: inout some RandomNumberGenerator) -> Int64 {
        Int64.random(in: 0...ceilingMs(afterAttempt: attempt), using: &generator)
    }

    public func delayMs(afterAttempt attempt: Int) -> Int64 {
        var generator = SystemRandomNumberGenerator()
        return delayMs(afterAttempt: attempt, using: &generator)
    }
}
