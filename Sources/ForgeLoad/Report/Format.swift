import FoundationEssentials

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Number formats shared by the progress line, the tables and the charts.
package enum Format {
    /// `0.42 ms`, `3.1 ms`, `250 ms`: three significant digits or so.
    static func ms(_ value: Double) -> String {
        value < 10 ? "\(fixed(value, 2)) ms" : value < 100 ? "\(fixed(value, 1)) ms" : "\(Int(value.rounded())) ms"
    }

    /// `value` with `digits` decimals, as `%.Nf` prints it, through C's own `vsnprintf` (Swift
    /// reaches variadic C through `withVaList`), without Foundation's `String(format:)`. Scaling by
    /// 10^N and rounding was wrong where the product rounds across a half (196893176.7595 → .760).
    package static func fixed(_ value: Double, _ digits: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : value < 0 ? "-inf" : "inf" }
        // 309 integer digits at most, a sign, a point and the decimals.
        var buffer = [CChar](repeating: 0, count: 320 + max(0, digits))
        let written = withVaList([value]) { vsnprintf(&buffer, buffer.count, "%.\(max(0, digits))f", $0) }
        guard written > 0 else { return String(value) }
        return String(decoding: buffer.prefix(Int(written)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
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
