import ForgeCore
import FoundationEssentials

/// Durations as people type them on a command line: `60s`, `2m`, `500ms`, `1.5s`, `1h`, or a
/// bare number of seconds.
public enum DurationText {
    private static let units: [(suffix: String, seconds: Double)] = [
        ("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600),
    ]
    /// The longest duration a flag may give, in seconds: a week.
    private static let longestSeconds: Double = 7 * 86_400

    /// Parses `text`; `flag` names the option in the error.
    public static func parse(_ text: String, flag: String) throws(LoadError) -> Duration {
        let trimmed = text.trimmingSpaces.lowercased()
        // "ms" before "s" and "m": the longest suffix that matches wins.
        let unit = units.filter { trimmed.hasSuffix($0.suffix) }.max { $0.suffix.count < $1.suffix.count }
        let number = unit.map { String(trimmed.dropLast($0.suffix.count)) } ?? trimmed
        guard let value = Double(number), value.isFinite, value >= 0 else {
            throw .invalid(flag, "'\(text)' is not a duration (use e.g. 60s, 2m, 500ms)")
        }
        let seconds = value * (unit?.seconds ?? 1)
        guard seconds <= longestSeconds else { throw .invalid(flag, "'\(text)' is longer than a week") }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    /// A positive duration given as a number of milliseconds (`--late-ms 0.5`), to the
    /// microsecond. NaN, infinities and huge values are refused here, naming `flag`: turning them
    /// into whole microseconds would trap.
    public static func milliseconds(_ value: Double, flag: String) throws(LoadError) -> Duration {
        guard value.isFinite, value >= 0.001, value <= longestSeconds * 1000 else {
            throw .invalid(flag, "must be a number of milliseconds from 0.001 to \(Int(longestSeconds * 1000)) (a week), got \(value)")
        }
        return .microseconds(Int64((value * 1000).rounded()))
    }

    /// The shortest of `500ms`, `60s`, `2m`, `1.5s` that says `duration` exactly to the millisecond.
    public static func format(_ duration: Duration) -> String {
        let ms = duration.milliseconds
        if ms % 60_000 == 0, ms >= 60_000 { return "\(ms / 60_000)m" }
        if ms % 1000 == 0 { return "\(ms / 1000)s" }
        if ms < 1000 { return "\(ms)ms" }
        return "\(Double(ms) / 1000)s"
    }
}
