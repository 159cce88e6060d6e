/// A Prometheus histogram as cumulative counts per upper bound (`le`), with the quantile
/// estimate `histogram_quantile()` makes: linear within the bucket that holds the rank.
public struct BucketCounts: Sendable, Equatable {
    /// Cumulative count of observations ≤ bound, by bound.
    public private(set) var cumulative: [Double: Double] = [:]
    public var count = 0.0
    public var sum = 0.0

    public init(cumulative: [Double: Double] = [:], count: Double = 0, sum: Double = 0) {
        self.cumulative = cumulative
        self.count = count
        self.sum = sum
    }

    public mutating func add(_ bound: Double, _ value: Double) { cumulative[bound, default: 0] += value }

    /// What was observed between `earlier` and this snapshot.
    public func since(_ earlier: BucketCounts) -> BucketCounts {
        var delta = BucketCounts(count: count - earlier.count, sum: sum - earlier.sum)
        for (bound, value) in cumulative { delta.cumulative[bound] = value - (earlier.cumulative[bound] ?? 0) }
        return delta
    }

    /// The `q` quantile (0…1) in the histogram's unit, or nil without observations. Ranks past
    /// the last finite bound answer that bound, as Prometheus does.
    public func quantile(_ q: Double) -> Double? {
        let bounds = cumulative.keys.sorted()
        guard let total = bounds.last.flatMap({ cumulative[$0] }), total > 0 else { return nil }
        let rank = q * total
        var lowerBound = 0.0
        var lowerCount = 0.0
        for bound in bounds {
            let count = cumulative[bound] ?? 0
            if count >= rank {
                if bound == .infinity { return lowerBound }
                let inBucket = count - lowerCount
                guard inBucket > 0 else { return bound }
                return lowerBound + (bound - lowerBound) * (rank - lowerCount) / inBucket
            }
            lowerBound = bound
            lowerCount = count
        }
        return lowerBound
    }

    /// The mean observation, or nil without any.
    public var mean: Double? { count > 0 ? sum / count : nil }
}
