import ForgeCore

/// Integers within the document's ranges, refused with a 400 naming the field.
extension ObjectReader {
    mutating func int(_ key: String, in range: ClosedRange<Int>) throws(ValidationError) -> Int? {
        try check(int(key), range, key)
    }

    mutating func int64(_ key: String, in range: ClosedRange<Int64>) throws(ValidationError) -> Int64? {
        try check(int64(key), range, key)
    }

    private func check<Number: Comparable>(_ value: Number?, _ range: ClosedRange<Number>, _ key: String) throws(ValidationError) -> Number? {
        guard let value else { return nil }
        guard range.contains(value) else {
            throw invalid(key, "must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return value
    }
}
