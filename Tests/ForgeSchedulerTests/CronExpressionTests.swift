import ForgeCore
import Foundation
import Testing

/// Unix ms of a UTC wall-clock time.
private func u(_ y: Int, _ mo: Int, _ d: Int, _ h: Int = 0, _ mi: Int = 0, _ s: Int = 0) -> Int64 {
    CronExpressionTests.utc(y, mo, d, h, mi, s)
}

@Suite struct CronExpressionTests {
    /// Unix ms of a UTC wall-clock time.
    static func utc(_ y: Int, _ mo: Int, _ d: Int, _ h: Int = 0, _ mi: Int = 0, _ s: Int = 0) -> Int64 {
        ms(y, mo, d, h, mi, s, zone: "UTC")
    }

    /// Unix ms of a wall-clock time in `zone` (the earlier one when ambiguous).
    static func ms(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int, _ s: Int, zone: String) -> Int64 {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: zone)!
        let date = calendar.date(from: DateComponents(year: y, month: mo, day: d, hour: h, minute: mi, second: s))!
        return Int64(date.timeIntervalSince1970 * 1000)
    }

    /// The next `count` fire times after `start`.
    static func fires(_ cron: String, after start: Int64, count: Int, zone: String = "UTC") throws -> [Int64] {
        let expression = try CronExpression(cron)
        var result: [Int64] = []
        var at = start
        for _ in 0..<count {
            guard let next = expression.nextFire(afterMs: at, timeZone: zone) else { break }
            result.append(next)
            at = next
        }
        return result
    }

    @Test func fiveFieldsFireOnWholeMinutesStrictlyAfter() throws {
        let start = u(2024, 5, 1, 10, 0, 0)
        #expect(try Self.fires("* * * * *", after: start, count: 2) == [u(2024, 5, 1, 10, 1, 0), u(2024, 5, 1, 10, 2, 0)])
        #expect(try Self.fires("* * * * *", after: start + 1500, count: 1) == [u(2024, 5, 1, 10, 1, 0)])
    }

    @Test func sixFieldsHaveLeadingSeconds() throws {
        let start = u(2024, 5, 1, 10, 0, 0)
        #expect(try Self.fires("* * * * * *", after: start, count: 3) == [start + 1000, start + 2000, start + 3000])
        #expect(
            try Self.fires("*/20 * * * * *", after: start, count: 4)
                == [start + 20_000, start + 40_000, start + 60_000, start + 80_000]
        )
        #expect(try Self.fires("30 15 10 * * *", after: start, count: 2) == [u(2024, 5, 1, 10, 15, 30), u(2024, 5, 2, 10, 15, 30)])
    }

    @Test func stepsRangesAndLists() throws {
        let start = u(2024, 5, 1, 0, 0, 0)
        #expect(
            try Self.fires("*/15 * * * *", after: start, count: 3)
                == [u(2024, 5, 1, 0, 15), u(2024, 5, 1, 0, 30), u(2024, 5, 1, 0, 45)]
        )
        #expect(
            try Self.fires("0 1-10/4 * * *", after: start, count: 4)
                == [u(2024, 5, 1, 1), u(2024, 5, 1, 5), u(2024, 5, 1, 9), u(2024, 5, 2, 1)]
        )
        #expect(
            try Self.fires("5,10,50 12 * * *", after: start, count: 4)
                == [u(2024, 5, 1, 12, 5), u(2024, 5, 1, 12, 10), u(2024, 5, 1, 12, 50), u(2024, 5, 2, 12, 5)]
        )
        #expect(
            try Self.fires("7/20 0 * * *", after: start, count: 3)
                == [u(2024, 5, 1, 0, 7), u(2024, 5, 1, 0, 27), u(2024, 5, 1, 0, 47)]
        )
    }

    @Test func monthAndWeekdayNames() throws {
        // 2024-05-01 is a Wednesday.
        let start = u(2024, 5, 1, 0, 0, 0)
        #expect(
            try Self.fires("0 9 * * MON-FRI", after: start, count: 4)
                == [u(2024, 5, 1, 9), u(2024, 5, 2, 9), u(2024, 5, 3, 9), u(2024, 5, 6, 9)]
        )
        #expect(try Self.fires("0 0 1 jan,Jul *", after: start, count: 2) == [u(2024, 7, 1), u(2025, 1, 1)])
        #expect(try Self.fires("0 0 * * sun", after: start, count: 1) == [u(2024, 5, 5)])
    }

    @Test func zeroAndSevenAreSunday() throws {
        let start = u(2024, 5, 1)
        let sunday = [u(2024, 5, 5), u(2024, 5, 12)]
        #expect(try Self.fires("0 0 * * 0", after: start, count: 2) == sunday)
        #expect(try Self.fires("0 0 * * 7", after: start, count: 2) == sunday)
        #expect(try Self.fires("0 0 * * 5-7", after: start, count: 3) == [u(2024, 5, 3), u(2024, 5, 4), u(2024, 5, 5)])
    }

    @Test func dayOfMonthOrDayOfWeekWhenBothRestricted() throws {
        // The 10th OR any Monday (May 6, 13 are Mondays; the 10th is a Friday).
        #expect(try Self.fires("0 0 10 * MON", after: u(2024, 5, 1), count: 3) == [u(2024, 5, 6), u(2024, 5, 10), u(2024, 5, 13)])
        // A `*`-day-of-month keeps AND semantics: only Mondays.
        #expect(try Self.fires("0 0 */1 * MON", after: u(2024, 5, 1), count: 2) == [u(2024, 5, 6), u(2024, 5, 13)])
    }

    @Test func crossesMonthAndYearEnds() throws {
        #expect(try Self.fires("59 23 31 * *", after: u(2024, 4, 1), count: 2) == [u(2024, 5, 31, 23, 59), u(2024, 7, 31, 23, 59)])
        #expect(try Self.fires("0 0 1 1 *", after: u(2024, 12, 31, 23, 59, 59), count: 1) == [u(2025, 1, 1)])
        #expect(try Self.fires("@hourly", after: u(2024, 12, 31, 23, 30), count: 1) == [u(2025, 1, 1)])
    }

    @Test func februaryTwentyNinthWaitsForALeapYear() throws {
        #expect(try Self.fires("0 12 29 2 *", after: u(2024, 3, 1), count: 2) == [u(2028, 2, 29, 12), u(2032, 2, 29, 12)])
        // Never fires: nil rather than an endless search.
        #expect(try CronExpression("0 0 30 2 *").nextFire(afterMs: u(2024, 1, 1), timeZone: "UTC") == nil)
    }

    @Test func timeZonesShiftTheWallClock() throws {
        let berlin = try Self.fires("0 9 * * *", after: u(2024, 1, 10), count: 1, zone: "Europe/Berlin")
        #expect(berlin == [u(2024, 1, 10, 8)])
        let tokyo = try Self.fires("0 9 * * *", after: u(2024, 7, 9, 12), count: 1, zone: "Asia/Tokyo")
        #expect(tokyo == [u(2024, 7, 10, 0)])
    }

    @Test func springForwardSkipsTheMissingTime() throws {
        // New York, 2024-03-10: 02:00 EST jumps to 03:00 EDT; 02:30 does not exist that day.
        let zone = "America/New_York"
        let start = Self.ms(2024, 3, 9, 12, 0, 0, zone: zone)
        let fires = try Self.fires("30 2 * * *", after: start, count: 2, zone: zone)
        #expect(fires == [Self.ms(2024, 3, 11, 2, 30, 0, zone: zone), Self.ms(2024, 3, 12, 2, 30, 0, zone: zone)])
        // Hourly keeps going around the gap: 01:00 EST, then 03:00 EDT one hour later.
        let hourly = try Self.fires("0 * * * *", after: Self.ms(2024, 3, 10, 0, 30, 0, zone: zone), count: 2, zone: zone)
        #expect(hourly == [u(2024, 3, 10, 6), u(2024, 3, 10, 7)])
    }

    @Test func fallBackFiresAnAmbiguousTimeOnce() throws {
        // New York, 2024-11-03: 01:00-01:59 happens twice (EDT, then EST).
        let zone = "America/New_York"
        let fires = try Self.fires("30 1 * * *", after: Self.ms(2024, 11, 2, 12, 0, 0, zone: zone), count: 3, zone: zone)
        #expect(fires == [u(2024, 11, 3, 5, 30), u(2024, 11, 4, 6, 30), u(2024, 11, 5, 6, 30)])
        // Every 20 minutes through the night: the repeated hour is not fired a second time.
        let night = try Self.fires("*/20 0-3 3 11 *", after: u(2024, 11, 3, 4, 30), count: 7, zone: zone)
        #expect(
            night == [
                u(2024, 11, 3, 4, 40), u(2024, 11, 3, 5, 0), u(2024, 11, 3, 5, 20), u(2024, 11, 3, 5, 40),
                u(2024, 11, 3, 7, 0), u(2024, 11, 3, 7, 20), u(2024, 11, 3, 7, 40),
            ]
        )
    }

    @Test func farAwayFiresAreFoundQuickly() throws {
        // Once a year on a given weekday-or-date; a field search, not a scan over seconds.
        let expression = try CronExpression("0 0 0 1 1 *")
        var at = u(2024, 1, 2)
        for year in 2025...2060 {
            let next = try #require(expression.nextFire(afterMs: at, timeZone: "Europe/Berlin"))
            #expect(next == Self.ms(year, 1, 1, 0, 0, 0, zone: "Europe/Berlin"))
            at = next
        }
    }

    @Test(arguments: [
        "", "* * * *", "* * * * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * 32 * *", "* * * 13 *",
        "* * * * 8", "*/0 * * * *", "5-1 * * * *", "a * * * *", "* * * FOO *", "1,,2 * * * *", "1/2/3 * * * *",
        "? * * * *", "-1 * * * *",
    ])
    func invalidExpressionsNameTheField(_ text: String) {
        #expect(throws: ValidationError.self) { try CronExpression(text) }
        do {
            _ = try CronExpression(text, field: "schedule.cron")
        } catch {
            #expect(error.field == "schedule.cron")
            #expect(!error.reason.isEmpty)
        }
    }

    @Test func unknownTimeZoneNamesTheField() throws {
        #expect(throws: ValidationError(field: "time_zone", reason: "'Mars/Olympus' is not a known IANA time zone (e.g. UTC, Europe/Berlin)")) {
            try CronExpression.validateTimeZone("Mars/Olympus")
        }
        try CronExpression.validateTimeZone("Europe/Berlin")
        #expect(try CronExpression("* * * * *").nextFire(afterMs: 0, timeZone: "Mars/Olympus") == nil)
    }
}
