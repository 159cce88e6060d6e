import Foundation

/// Number formats shared by the progress line, the tables and the charts.
enum Format {
    /// `0.42 ms`, `3.1 ms`, `250 ms`: three significant digits or so.
    static func ms(_ value: Double) -> String {
        value < 10 ? "\(fixed(value, 2)) ms" : value < 100 ? "\(fixed(value, 1)) ms" : "\(Int(value.rounded())) ms"
    }

    static func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }

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
