import FoundationEssentials

/// Number formats shared by the progress line, the tables and the charts.
package enum Format {
    /// `0.42 ms`, `3.1 ms`, `250 ms`: three significant digits or so.
    static func ms(_ value: Double) -> String {
        value < 10 ? "\(fixed(value, 2)) ms" : value < 100 ? "\(fixed(value, 1)) ms" : "\(Int(value.rounded())) ms"
    }

    /// `value` with `digits` decimals, as `%.Nf` prints it (halves to even), without
    /// Foundation's `String(format:)`.
    package static func fixed(_ value: Double, _ digits: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : value < 0 ? "-inf" : "inf" }
        var scale: UInt64 = 1
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(value) * Double(scale)).rounded(.toNearestOrEven)
        guard scaled < 9e18 else { return String(value) }
        let units = UInt64(scaled)
        var text = (value.sign == .minus ? "-" : "") + String(units / scale)
        if digits > 0 {
            let fraction = String(units % scale)
            text += "." + String(repeating: "0", count: digits - fraction.count) + fraction
        }
        return text
    }

    /// Whole numbers with thin groups: `12 345`.
    static func count(_ value: Double) -> String {
        let rounded = Int(value.rounded())
        let digits = String(abs(rounded))
        var groups: [Substring] = []
        var end = digits.endIndex
        while end > digits.startIndex {
            let start = digits.index(end, offsetBy: -3, limitedBy: digits.startIndex) ?? digits.startIndex
            groups.insert(digits[start..<end], at: 0)
            end = start
        }
        return (rounded < 0 ? "-" : "") + groups.joined(separator: " ")
    }

    static func optional(_ value: Double?, _ render: (Double) -> String) -> String { value.map(render) ?? "-" }
}
