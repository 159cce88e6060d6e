import ForgeCore

/// How pages write numbers and times: counts grouped by thin spaces, rates and durations with their
/// units, times in UTC (the browser's clock and zone are not the server's).
package enum WebFormat {
    /// `1 234 567` (U+2009 between groups, so a column of counts lines up and stays one word).
    package static func count(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out += "\u{2009}" }
            out.append(digit)
        }
        return value < 0 ? "−" + out : out
    }

    /// One decimal: `12.3`.
    static func decimal(_ value: Double) -> String {
        guard value.isFinite else { return "–" }
        let tenths = Int64((value * 10).rounded())
        let sign = tenths < 0 ? "-" : ""
        return "\(sign)\(tenths.magnitude / 10).\(tenths.magnitude % 10)"
    }

    static func milliseconds(_ duration: Duration) -> String {
        decimal(duration.seconds * 1000)
    }

    /// A rate per second: `0/s`, `12.3/s`, `1 234/s`.
    package static func rate(_ perSecond: Double?) -> String {
        guard let perSecond, perSecond.isFinite else { return "–" }
        if perSecond == 0 { return "0/s" }
        if perSecond >= 100 { return count(Int(perSecond.rounded())) + "/s" }
        return decimal(perSecond) + "/s"
    }

    /// An age or a span: `850 ms`, `12.3 s`, `4 min 10 s`, `3 h 2 min`, `5 d 1 h`.
    package static func span(milliseconds ms: Int64) -> String {
        let ms = max(0, ms)
        if ms < 1000 { return "\(ms) ms" }
        if ms < 60_000 { return decimal(Double(ms) / 1000) + " s" }
        let seconds = ms / 1000
        if seconds < 3600 { return "\(seconds / 60) min \(seconds % 60) s" }
        if seconds < 86_400 { return "\(seconds / 3600) h \(seconds % 3600 / 60) min" }
        return "\(seconds / 86_400) d \(seconds % 86_400 / 3600) h"
    }

    /// `2026-12-06 05:12:03.120 UTC`, from RFC 3339.
    package static func time(milliseconds ms: Int64?) -> String {
        guard let ms else { return "–" }
        return RFC3339.format(milliseconds: ms).replacingFirst("T", with: " ").dropLast() + " UTC"
    }
}

extension String {
    fileprivate func replacingFirst(_ target: Character, with replacement: String) -> String {
        guard let index = firstIndex(of: target) else { return self }
        return self[..<index] + replacement + self[self.index(after: index)...]
    }
}
