extension ZoneRules {
    /// A TZif footer: a POSIX TZ string (`CET-1CEST,M3.5.0,M10.5.0/3`) with RFC 8536 §3.3.1's
    /// extensions (transition times from -167 to 167 hours; daylight time may be behind standard
    /// time, as in Europe/Dublin's `IST-1GMT0,M10.5.0,M3.5.0/1`).
    struct Footer: Sendable, Hashable {
        /// Seconds east of Greenwich (POSIX spells offsets west-positive).
        var standardOffset: Int
        var daylight: Daylight?

        struct Daylight: Sendable, Hashable {
            var offset: Int
            /// Given in standard time.
            var start: Change
            /// Given in daylight time.
            var end: Change
        }

        struct Change: Sendable, Hashable {
            var day: Day
            /// Seconds after local midnight of `day`; 02:00 unless the string says otherwise.
            var time: Int
        }

        enum Day: Sendable, Hashable {
            /// `Jn`, 1...365: February 29 is never counted.
            case julian(Int)
            /// `n`, 0...365: February 29 is counted in leap years.
            case zeroBased(Int)
            /// `Mm.w.d`: weekday `d` (0 = Sunday) of week `w` (5 = last) of month `m`.
            case weekday(month: Int, week: Int, weekday: Int)
        }

        /// The offset in force at Unix second `instant`.
        func offset(at instant: Int64) -> Int {
            guard let daylight else { return standardOffset }
            // Gregorian weekdays repeat every 400 years, so the rules do too: working in one such
            // cycle keeps all arithmetic small, whatever instant a caller passes.
            let cycle: Int64 = 146_097 * 86_400
            let t = Int(((instant % cycle) + cycle) % cycle)
            let year = 1970 + t / 31_556_952
            // The latest change at or before t wins; a change may fall up to a week outside its
            // year and `year` may be one off, hence the years around. On a tie the later year's
            // change wins (permanent DST strings like `EST5EDT,0/0,J365/25` end one year where the
            // next begins).
            var latest: (at: Int, isDaylight: Bool)?
            for year in year - 3...year + 2 {
                let start = daylight.start.utcSeconds(in: year, offsetBefore: standardOffset)
                if start <= t, start >= latest?.at ?? .min { latest = (start, true) }
                let end = daylight.end.utcSeconds(in: year, offsetBefore: daylight.offset)
                if end <= t, end >= latest?.at ?? .min { latest = (end, false) }
            }
            return latest?.isDaylight == true ? daylight.offset : standardOffset
        }
    }
}

extension ZoneRules.Footer.Change {
    /// This change in `year` as seconds since 1970 UTC; its time is local time before the change.
    fileprivate func utcSeconds(in year: Int, offsetBefore: Int) -> Int {
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let dayNumber: Int
        switch day {
        case .julian(let n): dayNumber = daysSince1970(year, 1, 1) + n - 1 + (leap && n >= 60 ? 1 : 0)
        case .zeroBased(let n): dayNumber = daysSince1970(year, 1, 1) + n
        case .weekday(let month, let week, let weekday):
            let first = daysSince1970(year, month, 1)
            let length = daysSince1970(year + month / 12, month % 12 + 1, 1) - first
            // 1970-01-01 was a Thursday (4).
            var offset = (weekday - ((first + 4) % 7 + 7) % 7 + 7) % 7 + (week - 1) * 7
            while offset >= length { offset -= 7 }
            dayNumber = first + offset
        }
        return dayNumber * 86_400 + time - offsetBefore
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date, for years ≥ 1 (Howard Hinnant's days_from_civil).
private func daysSince1970(_ year: Int, _ month: Int, _ day: Int) -> Int {
    let y = month <= 2 ? year - 1 : year
    let yearOfEra = y % 400
    let dayOfYear = (153 * ((month + 9) % 12) + 2) / 5 + day - 1
    return (y / 400) * 146_097 + yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear - 719_468
}

extension ZoneRules.Footer {
    /// Parses a TZ string; nil unless all of it is valid.
    init?(_ text: [UInt8]) {
        var scanner = Scanner(bytes: text)
        guard scanner.name(), let standard = scanner.time(maxHours: 24) else { return nil }
        standardOffset = -standard
        guard !scanner.atEnd else {
            daylight = nil
            return
        }
        guard scanner.name() else { return nil }
        // POSIX: daylight time is one hour ahead unless an offset is given.
        var offset = standardOffset + 3600
        if !scanner.atEnd, !scanner.skip(",", peekOnly: true) {
            guard let given = scanner.time(maxHours: 24) else { return nil }
            offset = -given
        }
        // POSIX leaves a missing rule to the implementation; zic always writes one.
        guard scanner.skip(","), let start = scanner.change(), scanner.skip(","), let end = scanner.change(), scanner.atEnd else {
            return nil
        }
        daylight = Daylight(offset: offset, start: start, end: end)
    }
}

/// The pieces of a TZ string, each consumed only if it parses.
private struct Scanner {
    let bytes: [UInt8]
    var position = 0

    var atEnd: Bool { position == bytes.count }
    private var next: UInt8? { atEnd ? nil : bytes[position] }

    mutating func skip(_ character: Unicode.Scalar, peekOnly: Bool = false) -> Bool {
        guard next == UInt8(ascii: character) else { return false }
        if !peekOnly { position += 1 }
        return true
    }

    /// `<+0330>` (letters, digits and signs in angle brackets) or three or more letters.
    mutating func name() -> Bool {
        let quoted = skip("<")
        let start = position
        while let byte = next, byte.isLetter || (quoted && (byte.isDigit || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-"))) {
            position += 1
        }
        return position - start >= 3 && (!quoted || skip(">"))
    }

    /// `[+-]hh[:mm[:ss]]`, in seconds.
    mutating func time(maxHours: Int) -> Int? {
        var sign = 1
        if skip("-") { sign = -1 } else { _ = skip("+") }
        guard let hours = number(0...maxHours) else { return nil }
        var seconds = hours * 3600
        if skip(":") {
            guard let minutes = number(0...59) else { return nil }
            seconds += minutes * 60
            if skip(":") {
                guard let secs = number(0...59) else { return nil }
                seconds += secs
            }
        }
        return sign * seconds
    }

    /// `Jn`, `n` or `Mm.w.d`, then an optional `/time`.
    mutating func change() -> ZoneRules.Footer.Change? {
        let day: ZoneRules.Footer.Day
        if skip("J") {
            guard let n = number(1...365) else { return nil }
            day = .julian(n)
        } else if skip("M") {
            guard let month = number(1...12), skip("."), let week = number(1...5), skip("."), let weekday = number(0...6) else { return nil }
            day = .weekday(month: month, week: week, weekday: weekday)
        } else {
            guard let n = number(0...365) else { return nil }
            day = .zeroBased(n)
        }
        guard skip("/") else { return ZoneRules.Footer.Change(day: day, time: 7200) }
        // RFC 8536 §3.3.1 allows -167 to 167 hours here, unlike POSIX.
        guard let time = time(maxHours: 167) else { return nil }
        return ZoneRules.Footer.Change(day: day, time: time)
    }

    private mutating func number(_ range: ClosedRange<Int>) -> Int? {
        var value = 0
        let start = position
        while let byte = next, byte.isDigit {
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
            guard value <= range.upperBound else { return nil }
            position += 1
        }
        return position > start && range.contains(value) ? value : nil
    }
}

extension UInt8 {
    fileprivate var isDigit: Bool { self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") }
    fileprivate var isLetter: Bool { (self | 0x20) >= UInt8(ascii: "a") && (self | 0x20) <= UInt8(ascii: "z") }
}
