import ForgeCore

/// When each request of an open-loop run is due: request `i` at `start + i / requestsPerSecond`,
/// whether or not earlier ones were answered. Latency is counted from this due time, so a slow
/// system cannot hide its stalls by slowing the generator down (no coordinated omission).
public struct ArrivalSchedule: Sendable {
    public let start: ContinuousClock.Instant
    public let requestsPerSecond: Double
    /// Requests due before `start + warmup` are the warm-up, not measured.
    public let warmup: Duration
    public let duration: Duration

    public init(start: ContinuousClock.Instant, requestsPerSecond: Double, warmup: Duration, duration: Duration) {
        precondition(requestsPerSecond > 0, "the rate is validated before a schedule is made")
        self.start = start
        self.requestsPerSecond = requestsPerSecond
        self.warmup = warmup
        self.duration = duration
    }

    /// Offset of request `index` from `start`. Computed from the index, never accumulated, so
    /// rounding does not drift over millions of requests.
    public func offset(of index: Int) -> Duration {
        .nanoseconds(Int64((Double(index) * 1e9 / requestsPerSecond).rounded()))
    }

    public func due(_ index: Int) -> ContinuousClock.Instant { start + offset(of: index) }

    /// When measuring starts.
    public var measureStart: ContinuousClock.Instant { start + warmup }

    /// The first request that is measured: the first due at or after `start + warmup`.
    public var firstMeasured: Int { Self.count(before: warmup, rate: requestsPerSecond) }

    /// One past the last request: the first due at or after `start + warmup + duration`.
    public var end: Int { Self.count(before: warmup + duration, rate: requestsPerSecond) }

    /// Requests measured: those due in `[warmup, warmup + duration)`.
    public var measuredCount: Int { end - firstMeasured }

    /// How many indices have an offset strictly below `limit`, i.e. ceil(limit · rate), with a
    /// small tolerance so 2 s at 1000/s is exactly 2000 and not 2001 from floating-point noise.
    static func count(before limit: Duration, rate: Double) -> Int {
        let exact = limit.seconds * rate
        return Int((exact - 1e-9).rounded(.up))
    }
}
