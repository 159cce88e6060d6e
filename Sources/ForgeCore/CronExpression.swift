/// A parsed cron expression: 5 fields (`minute hour day-of-month month day-of-week`) or 6 with a
/// leading seconds field; `*`, lists, ranges, steps (`*/5`, `1-10/2`, `7/15`), month names
/// `JAN`–`DEC`, weekday names `SUN`–`SAT` (0 and 7 are Sunday) and the macros `@yearly`,
/// `@monthly`, `@weekly`, `@daily`, `@hourly`.
///
/// As in Vixie cron, when both day-of-month and day-of-week are restricted (neither starts with
/// `*` or `?`) a day matches if EITHER matches (`0 0 1 * MON` = the 1st and every Monday).
public struct CronExpression: Sendable, Hashable {
    public let source: String
    let seconds: UInt64
    let minutes: UInt64
    let hours: UInt64
    let daysOfMonth: UInt64
    let months: UInt64
    let daysOfWeek: UInt64
    /// Both day fields restricted: OR semantics.
    let dayEither: Bool

    /// Throws a ``ValidationError`` naming `field` (default `cron`) when the text is not valid.
    public init(_ text: String, field: String = "cron") throws(ValidationError) {
        let expanded = Self.macros[text.trimmingSpaces.lowercased()] ?? text
        let parts = expanded.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard parts.count == 5 || parts.count == 6 else {
            throw ValidationError(field: field, reason: "must have 5 fields (or 6 with leading seconds), got \(parts.count)")
        }
        let offset = parts.count - 5
        func parse(_ index: Int, _ spec: FieldSpec) throws(ValidationError) -> UInt64 {
            do throws(FieldSpec.Failure) {
                return try spec.parse(parts[index])
            } catch {
                throw ValidationError(field: field, reason: error.reason)
            }
        }
        source = text
        seconds = offset == 1 ? try parse(0, .second) : 1
        minutes = try parse(offset, .minute)
        hours = try parse(offset + 1, .hour)
        daysOfMonth = try parse(offset + 2, .dayOfMonth)
        months = try parse(offset + 3, .month)
        let dow = try parse(offset + 4, .dayOfWeek)
        // 7 is another name for Sunday.
        daysOfWeek = (dow & ~(1 << 7)) | (dow & (1 << 7) != 0 ? 1 : 0)
        dayEither = !Self.isStar(parts[offset + 2]) && !Self.isStar(parts[offset + 4])
    }

    /// Throws a ``ValidationError`` naming `field` unless `name` is a time zone in the system's tz database.
    public static func validateTimeZone(_ name: String, field: String = "time_zone") throws(ValidationError) {
        guard ZoneRules.named(name) != nil else {
            throw ValidationError(field: field, reason: "'\(name)' is not a known IANA time zone (e.g. UTC, Europe/Berlin)")
        }
    }

    /// The first fire time strictly after `afterMs` (Unix ms) in `timeZone` (IANA name), or nil if
    /// none within the next eight years (e.g. `0 0 30 2 *`) or the time zone is unknown.
    ///
    /// Searches field by field on the local calendar (month, then day, hour, minute, second), so
    /// the cost does not depend on how far away the next fire is. Local times skipped by a DST
    /// change never fire; local times that happen twice fire once, at the first occurrence.
    public func nextFire(afterMs: Int64, timeZone: String) -> Int64? {
        guard let zone = ZoneRules.named(timeZone) else { return nil }
        let after = afterMs >= 0 ? afterMs / 1000 : (afterMs - 999) / 1000
        var t = LocalTime(instant: after + 1, zone: zone)
        let lastYear = t.year + 8
        while t.year <= lastYear {
            guard let month = Self.next(months, atOrAfter: t.month, max: 12) else {
                t = LocalTime(year: t.year + 1, month: 1, day: 1)
                continue
            }
            if month != t.month { t = LocalTime(year: t.year, month: month, day: 1) }
            guard t.day <= t.daysInMonth else {
                t = LocalTime(year: t.year, month: t.month + 1, day: 1)
                continue
            }
            guard dayMatches(t) else {
                t = LocalTime(year: t.year, month: t.month, day: t.day + 1)
                continue
            }
            guard let hour = Self.next(hours, atOrAfter: t.hour, max: 23) else {
                t = LocalTime(year: t.year, month: t.month, day: t.day + 1)
                continue
            }
            if hour != t.hour {
                t.hour = hour
                t.minute = 0
                t.second = 0
            }
            guard let minute = Self.next(minutes, atOrAfter: t.minute, max: 59) else {
                t.hour += 1
                t.minute = 0
                t.second = 0
                continue
            }
            if minute != t.minute {
                t.minute = minute
                t.second = 0
            }
            guard let second = Self.next(seconds, atOrAfter: t.second, max: 59) else {
                t.minute += 1
                t.second = 0
                continue
            }
            t.second = second
            if let instant = t.firstInstant(in: zone, after: after) { return instant * 1000 }
            t.second += 1
        }
        return nil
    }

    private func dayMatches(_ t: LocalTime) -> Bool {
        let dom = daysOfMonth & (1 << t.day) != 0
        let dow = daysOfWeek & (1 << t.weekday) != 0
        return dayEither ? dom || dow : dom && dow
    }

    /// The lowest value in `mask` that is ≥ `value` and ≤ `max`.
    private static func next(_ mask: UInt64, atOrAfter value: Int, max: Int) -> Int? {
        guard value <= max else { return nil }
        let remaining = mask >> UInt64(value)
        guard remaining != 0 else { return nil }
        let found = value + remaining.trailingZeroBitCount
        return found <= max ? found : nil
    }

    private static func isStar(_ field: String) -> Bool { field.hasPrefix("*") || field.hasPrefix("?") }

    private static let macros: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]
}

/// One field's range and names, and the parser of its list/range/step syntax into a bit mask.
private struct FieldSpec {
    struct Failure: Error { var reason: String }

    var name: String
    var range: ClosedRange<Int>
    var names: [String] = []
    var allowsQuestionMark = false

    static let second = FieldSpec(name: "second", range: 0...59)
    static let minute = FieldSpec(name: "minute", range: 0...59)
    static let hour = FieldSpec(name: "hour", range: 0...23)
    static let dayOfMonth = FieldSpec(name: "day-of-month", range: 1...31, allowsQuestionMark: true)
    static let month = FieldSpec(
        name: "month",
        range: 1...12,
        names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    )
    static let dayOfWeek = FieldSpec(
        name: "day-of-week",
        range: 0...7,
        names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
        allowsQuestionMark: true
    )

    func parse(_ text: String) throws(Failure) -> UInt64 {
        var mask: UInt64 = 0
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            mask |= try parseItem(String(item))
        }
        return mask
    }

    private func parseItem(_ item: String) throws(Failure) -> UInt64 {
        guard !item.isEmpty else { throw Failure(reason: "\(name): empty list item in '\(item)'") }
        let pieces = item.split(separator: "/", omittingEmptySubsequences: false)
        guard pieces.count <= 2 else { throw Failure(reason: "\(name): '\(item)' has more than one '/'") }
        var step = 1
        if pieces.count == 2 {
            guard let value = Int(pieces[1]), value >= 1, value <= range.upperBound else {
                throw Failure(reason: "\(name): step '\(pieces[1])' must be a number from 1 to \(range.upperBound)")
            }
            step = value
        }
        let base = String(pieces[0])
        let low: Int
        var high: Int
        if base == "*" || (base == "?" && allowsQuestionMark) {
            (low, high) = (range.lowerBound, range.upperBound)
            // `*` in day-of-week means 0-6: 7 would only repeat Sunday.
            if name == "day-of-week" { high = 6 }
        } else if let dash = base.firstIndex(of: "-") {
            low = try value(String(base[..<dash]))
            high = try value(String(base[base.index(after: dash)...]))
            guard low <= high else { throw Failure(reason: "\(name): range '\(base)' runs backwards") }
        } else {
            low = try value(base)
            // `7/15` means from 7 to the end in steps of 15; a plain `7` is just 7.
            high = pieces.count == 2 ? range.upperBound : low
        }
        var mask: UInt64 = 0
        for bit in stride(from: low, through: high, by: step) { mask |= 1 << UInt64(bit) }
        return mask
    }

    private func value(_ text: String) throws(Failure) -> Int {
        if let number = Int(text) {
            guard range.contains(number) else {
                throw Failure(reason: "\(name): \(number) is out of range \(range.lowerBound)-\(range.upperBound)")
            }
            return number
        }
        if let index = names.firstIndex(of: text.uppercased()) {
            return index + (name == "month" ? 1 : 0)
        }
        throw Failure(reason: "\(name): '\(text)' is not a number\(names.isEmpty ? "" : " or name")")
    }
}

/// A wall-clock time on the proleptic Gregorian calendar, with the arithmetic the search needs.
/// Fields may overflow (day 32, hour 24); the initialiser and the search normalise them.
private struct LocalTime {
    var year: Int
    var month: Int
    var day: Int
    var hour = 0
    var minute = 0
    var second = 0

    init(year: Int, month: Int, day: Int) {
        // Normalise month overflow here; day overflow is caught by the daysInMonth check.
        self.year = year + (month - 1) / 12
        self.month = (month - 1) % 12 + 1
        self.day = day
    }

    /// The local wall-clock time of Unix second `instant` in `zone`.
    init(instant: Int64, zone: ZoneRules) {
        let local = instant + Int64(zone.secondsFromGMT(at: instant))
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let secondOfDay = Int(local - days * 86_400)
        (year, month, day) = Self.civil(fromDays: days)
        hour = secondOfDay / 3600
        minute = secondOfDay % 3600 / 60
        second = secondOfDay % 60
    }

    var daysInMonth: Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// 0 = Sunday; 1970-01-01 was a Thursday.
    var weekday: Int {
        let days = Self.days(year: year, month: month, day: day)
        return Int(((days + 4) % 7 + 7) % 7)
    }

    /// The earliest Unix second showing this wall-clock time in `zone`, if it is later than
    /// `after`: nil when DST skips the time, or when its first occurrence is already past.
    func firstInstant(in zone: ZoneRules, after: Int64) -> Int64? {
        let wall = Self.days(year: year, month: month, day: day) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        func offset(_ instant: Int64) -> Int64 { Int64(zone.secondsFromGMT(at: instant)) }
        // The offsets in force around this time: before and after any transition that day.
        let candidates = Set([offset(wall - 86_400), offset(wall), offset(wall + 86_400)])
        let instants = candidates.map { wall - $0 }.filter { offset($0) == wall - $0 }
        guard let first = instants.min(), first > after else { return nil }
        return first
    }

    /// Days since 1970-01-01 (Howard Hinnant's days_from_civil).
    static func days(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64((month + 9) % 12)
        let doy = (153 * mp + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays days: Int64) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = Int(doy - (153 * mp + 2) / 5 + 1)
        let month = Int(mp < 10 ? mp + 3 : mp - 9)
        return (Int(yoe + era * 400) + (month <= 2 ? 1 : 0), month, day)
    }
}
