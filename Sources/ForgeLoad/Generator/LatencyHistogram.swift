import Histogram

/// Latencies in microseconds in an HdrHistogram: exact to 3 significant digits from 1 µs to an
/// hour, whatever the distribution, and cheap to merge per second.
public struct LatencyHistogram: Sendable {
    static let highest: UInt64 = 3_600_000_000
    private var histogram: Histogram<UInt64>

    public init(significantDigits: SignificantDigits = .three) {
        histogram = Histogram(highestTrackableValue: Self.highest, numberOfSignificantValueDigits: significantDigits)
    }

    public mutating func record(_ duration: Duration) {
        let micros = max(0, duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000)
        _ = histogram.record(min(UInt64(micros), Self.highest))
    }

    public mutating func add(_ other: LatencyHistogram) { histogram.add(other.histogram) }

    public var count: Int { Int(histogram.totalCount) }

    /// The summary the report shows, in milliseconds.
    public var summary: LatencySummary {
        guard histogram.totalCount > 0 else { return LatencySummary() }
        func ms(_ percentile: Double) -> Double { Double(histogram.valueAtPercentile(percentile)) / 1000 }
        return LatencySummary(
            count: count,
            p50: ms(50),
            p90: ms(90),
            p99: ms(99),
            p999: ms(99.9),
            max: Double(histogram.max) / 1000,
            mean: histogram.mean / 1000
        )
    }
}

/// Percentiles of a latency distribution in milliseconds.
public struct LatencySummary: Sendable, Codable, Equatable {
    public var count = 0
    public var p50 = 0.0
    public var p90 = 0.0
    public var p99 = 0.0
    public var p999 = 0.0
    public var max = 0.0
    public var mean = 0.0

    public init(count: Int = 0, p50: Double = 0, p90: Double = 0, p99: Double = 0, p999: Double = 0, max: Double = 0, mean: Double = 0) {
        self.count = count
        self.p50 = p50
        self.p90 = p90
        self.p99 = p99
        self.p999 = p999
        self.max = max
        self.mean = mean
    }
}
