import ForgeCore
import Foundation
import Testing

/// ZoneRules against ICU (through Foundation's `TimeZone`) for every zone of the system's tz
/// database.
///
/// ICU carries its own copy of the tz data (2025b, like this system's tzdata), but compiled from
/// the main data only, while Debian builds tzdata with `PACKRATDATA=backzone PACKRATLIST=zone.tab`
/// (the `# ddeps backzone zone.tab` line of tzdata.zi). Zones that the main data merged into
/// links because they agree since 1970 (Africa/Mbabane → Africa/Johannesburg, Europe/Oslo →
/// Europe/Berlin, …) keep their own pre-1970 history in the system files, and the System V names
/// that 2024b turned into links (EET → Europe/Athens, WET → Europe/Lisbon) keep their old
/// EU-rule definitions, which differ from Athens in 1975 and from Lisbon in 1976–1996. So a zone
/// whose file disagrees with ICU passes only when ICU's answers for it are exactly the system's
/// data for some other zone (the link target) at every compared instant: that is the merge, not
/// a misread file, and a bug in ZoneRules would not produce it.
@Suite struct ZoneRulesTests {
    static let zoneinfo = "/usr/share/zoneinfo"

    /// Every TZif file under `zoneinfo` as an identifier. `posix/` and `right/` repeat the zones
    /// (the latter counting leap seconds, which neither ICU nor ZoneRules does); `localtime` and
    /// `posixrules` are glibc's configuration, not zone names.
    static func systemZones() throws -> [String] {
        let root = URL(fileURLWithPath: zoneinfo)
        let files = try #require(FileManager.default.subpaths(atPath: zoneinfo))
        return files.filter { path in
            guard !["posix", "right"].contains(path.split(separator: "/").first), path != "localtime", path != "posixrules" else {
                return false
            }
            guard let handle = try? FileHandle(forReadingFrom: root.appendingPathComponent(path)) else { return false }
            defer { try? handle.close() }
            return (try? handle.read(upToCount: 4)) == Data("TZif".utf8)
        }.sorted()
    }

    /// About every six hours from 1970 to 2045 (a step that is not a whole number of hours, so
    /// the samples visit every time of day), and one second either side of every transition.
    static func instants(_ rules: ZoneRules) -> [Int64] {
        var instants = Array(stride(from: Int64(0), to: 2_366_841_600, by: 21_601))
        for transition in rules.transitions { instants += [transition - 1, transition, transition + 1] }
        return instants
    }

    @Test func everyZoneAgreesWithICU() async throws {
        let zones = try Self.systemZones()
        #expect(zones.count > 400)
        #expect(TimeZone.timeZoneDataVersion == "2025b", "the explanation above was checked against ICU's 2025b")
        let chunks = stride(from: 0, to: zones.count, by: 40).map { Array(zones[$0..<min($0 + 40, zones.count)]) }
        let results = await withTaskGroup(of: Comparison.self) { group in
            for chunk in chunks { group.addTask { Comparison(zones: chunk) } }
            var all = Comparison()
            for await part in group { all.merge(part) }
            return all
        }
        #expect(results.unknownToICU.isEmpty, "ICU does not know \(results.unknownToICU)")
        #expect(results.notLoaded.isEmpty, "ZoneRules could not load \(results.notLoaded)")
        var unexplained: [String] = []
        var merged: [String] = []
        for (zone, instants) in results.mismatches.sorted(by: { $0.key < $1.key }) {
            if let target = Self.linkTarget(ICUZone: zone, mismatches: instants, among: zones) {
                merged.append("\(zone) → \(target)")
            } else {
                let t = instants[0]
                let actual = ZoneRules.named(zone)!.secondsFromGMT(at: t)
                let expected = TimeZone(identifier: zone)!.secondsFromGMT(for: Date(timeIntervalSince1970: Double(t)))
                unexplained.append("\(zone) at \(t) (\(Date(timeIntervalSince1970: Double(t)))): \(actual), ICU \(expected)")
            }
        }
        print("compared \(results.compared) instants in \(zones.count) zones; ICU uses the data of a link target for \(merged)")
        #expect(unexplained.isEmpty, "\(unexplained.count) zones disagree with ICU: \(unexplained.prefix(20).joined(separator: "\n"))")
    }

    /// The system zone whose data ICU answers with for `zone` at every compared instant, if any.
    static func linkTarget(ICUZone zone: String, mismatches: [Int64], among zones: [String]) -> String? {
        let icu = TimeZone(identifier: zone)!
        func icuOffset(_ t: Int64) -> Int { icu.secondsFromGMT(for: Date(timeIntervalSince1970: Double(t))) }
        let candidates = zones.lazy.filter { $0 != zone }.compactMap { name in ZoneRules.named(name).map { (name, $0) } }
        let target = candidates.first { _, rules in
            // The instants that differ first, to drop most candidates cheaply.
            guard mismatches.allSatisfy({ rules.secondsFromGMT(at: $0) == icuOffset($0) }) else { return false }
            let all = instants(ZoneRules.named(zone)!) + rules.transitions.flatMap { [$0 - 1, $0, $0 + 1] }
            return all.allSatisfy { rules.secondsFromGMT(at: $0) == icuOffset($0) }
        }
        return target?.0
    }
}

/// The comparison of a few zones: the instants compared and where ZoneRules and ICU differ.
private struct Comparison: Sendable {
    var compared = 0
    var unknownToICU: [String] = []
    var notLoaded: [String] = []
    var mismatches: [String: [Int64]] = [:]

    init() {}

    init(zones: [String]) {
        for zone in zones { compare(zone) }
    }

    mutating func merge(_ other: Comparison) {
        compared += other.compared
        unknownToICU += other.unknownToICU
        notLoaded += other.notLoaded
        mismatches.merge(other.mismatches) { $0 + $1 }
    }

    private mutating func compare(_ zone: String) {
        guard let icu = TimeZone(identifier: zone) else { return unknownToICU.append(zone) }
        guard let rules = ZoneRules.named(zone) else { return notLoaded.append(zone) }
        for t in ZoneRulesTests.instants(rules) {
            compared += 1
            if rules.secondsFromGMT(at: t) != icu.secondsFromGMT(for: Date(timeIntervalSince1970: Double(t))) {
                mismatches[zone, default: []].append(t)
            }
        }
    }
}

/// The TZif and TZ-string parsing on synthetic and broken input, and which names reach the disk.
@Suite struct ZoneRulesParsingTests {
    /// Unix seconds of an ISO 8601 UTC time such as `2024-03-31T01:00:00Z`.
    static func t(_ iso: String) -> Int64 { Int64(ISO8601DateFormatter().date(from: iso)!.timeIntervalSince1970) }

    /// A TZif file: `version` 0 writes only the 32-bit block, otherwise both blocks and `footer`.
    static func tzif(
        version: UInt8 = UInt8(ascii: "2"),
        transitions: [(at: Int64, type: UInt8)] = [],
        offsets: [Int32] = [0],
        footer: String = ""
    ) -> [UInt8] {
        func bigEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.bigEndian) { Array($0) } }
        func block(timeSize: Int) -> [UInt8] {
            let counts: [UInt32] = [0, 0, 0, UInt32(transitions.count), UInt32(offsets.count), 4]
            var bytes = Array("TZif".utf8) + [version] + [UInt8](repeating: 0, count: 15) + counts.flatMap(bigEndian)
            bytes += transitions.flatMap { timeSize == 8 ? bigEndian($0.at) : bigEndian(Int32($0.at)) }
            bytes += transitions.map(\.type)
            bytes += offsets.flatMap { bigEndian($0) + [0, 0] }
            return bytes + Array("UTC\0".utf8)
        }
        guard version != 0 else { return block(timeSize: 4) }
        return block(timeSize: 4) + block(timeSize: 8) + Array("\n\(footer)\n".utf8)
    }

    /// TZ strings and the offsets they give, one second either side of their changes.
    static let footers: [(footer: String, expected: [(String, Int)])] = [
        // Europe/Dublin: "standard" time is summer's IST, the negative DST is winter's GMT.
        (
            "IST-1GMT0,M10.5.0,M3.5.0/1",
            [
                ("2024-01-15T12:00:00Z", 0), ("2024-03-31T00:59:59Z", 0), ("2024-03-31T01:00:00Z", 3600),
                ("2024-10-27T00:59:59Z", 3600), ("2024-10-27T01:00:00Z", 0),
            ]
        ),
        // Southern hemisphere: DST spans the new year.
        (
            "AEST-10AEDT,M10.1.0,M4.1.0/3",
            [
                ("2024-01-01T00:00:00Z", 39600), ("2024-04-06T15:59:59Z", 39600), ("2024-04-06T16:00:00Z", 36000),
                ("2024-07-01T00:00:00Z", 36000), ("2024-10-05T15:59:59Z", 36000), ("2024-10-05T16:00:00Z", 39600),
            ]
        ),
        (
            "CET-1CEST,M3.5.0,M10.5.0/3",
            [
                ("2024-03-31T00:59:59Z", 3600), ("2024-03-31T01:00:00Z", 7200),
                ("2024-10-27T00:59:59Z", 7200), ("2024-10-27T01:00:00Z", 3600),
                // 400 years on, the same weekdays: the cycle the rule is evaluated in.
                ("2424-03-31T00:59:59Z", 3600), ("2424-03-31T01:00:00Z", 7200),
            ]
        ),
        (
            "EST5EDT,M3.2.0,M11.1.0",
            [
                ("2024-03-10T06:59:59Z", -18000), ("2024-03-10T07:00:00Z", -14400),
                ("2024-11-03T05:59:59Z", -14400), ("2024-11-03T06:00:00Z", -18000),
            ]
        ),
        // Jn never counts February 29: J60 is March 1 in leap years too. DST defaults to +1 h.
        (
            "<-03>3<-02>,J60/0,J300/0",
            [
                ("2023-03-01T02:59:59Z", -10800), ("2023-03-01T03:00:00Z", -7200),
                ("2024-03-01T02:59:59Z", -10800), ("2024-03-01T03:00:00Z", -7200),
                ("2024-10-27T01:59:59Z", -7200), ("2024-10-27T02:00:00Z", -10800),
            ]
        ),
        // n counts from 0 and includes February 29: 59 is March 1, or February 29 in leap years.
        (
            "<-03>3<-02>,59/0,299/0",
            [
                ("2023-03-01T02:59:59Z", -10800), ("2023-03-01T03:00:00Z", -7200),
                ("2024-02-29T02:59:59Z", -10800), ("2024-02-29T03:00:00Z", -7200),
                ("2024-10-26T01:59:59Z", -7200), ("2024-10-26T02:00:00Z", -10800),
            ]
        ),
        // America/Nuuk: a negative transition time, 23:00 the day before.
        (
            "<-02>2<-01>,M3.5.0/-1,M10.5.0/0",
            [
                ("2024-03-31T00:59:59Z", -7200), ("2024-03-31T01:00:00Z", -3600),
                ("2024-10-27T00:59:59Z", -3600), ("2024-10-27T01:00:00Z", -7200),
            ]
        ),
        // Permanent DST through a 25 h end time (RFC 8536 §3.3.1's example).
        (
            "EST5EDT,0/0,J365/25",
            [
                ("2023-12-31T23:59:59Z", -14400), ("2024-01-01T05:00:00Z", -14400), ("2024-07-01T00:00:00Z", -14400),
                ("2024-12-31T23:59:59Z", -14400), ("2025-01-01T05:00:00Z", -14400),
            ]
        ),
        ("<-03>3", [("1900-01-01T00:00:00Z", -10800), ("2024-06-01T00:00:00Z", -10800)]),
        ("<+0330>-3:30", [("2024-06-01T00:00:00Z", 12600)]),
    ]

    @Test(arguments: footers)
    func footerRulesAllTimesWithoutTransitions(footer: String, expected: [(String, Int)]) throws {
        let rules = try ZoneRules(tzif: Self.tzif(footer: footer))
        for (iso, offset) in expected {
            #expect(rules.secondsFromGMT(at: Self.t(iso)) == offset, "\(footer) at \(iso)")
        }
        // Any instant a caller passes, however far out, answers without trapping.
        _ = (rules.secondsFromGMT(at: .max), rules.secondsFromGMT(at: .min))
    }

    @Test(arguments: [
        "CET-1CEST", "CET", "-1", "CE-1", "<+01", "<+01>", "CET-25", "CET-1CEST,M13.1.0,M10.5.0", "CET-1CEST,M3.6.0,M10.5.0",
        "CET-1CEST,M3.5.7,M10.5.0", "CET-1CEST,M3.5.0,M10.5.0/168", "CET-1CEST,M3.5.0", "CET-1CEST,M3.5.0,M10.5.0,", "CET-1 CEST",
        "XXX3YYY,J0,J365", "XXX3YYY,0,366", "CET-1:60",
    ])
    func malformedFootersAreRefused(footer: String) {
        #expect(throws: ZoneRules.FormatError.self) { try ZoneRules(tzif: Self.tzif(footer: footer)) }
    }

    @Test func transitionsAndAnEmptyFooter() throws {
        let transitions: [(at: Int64, type: UInt8)] = [(-100, 1), (100, 0), (200, 1)]
        for version in [0, UInt8(ascii: "2"), UInt8(ascii: "4")] {
            let rules = try ZoneRules(tzif: Self.tzif(version: version, transitions: transitions, offsets: [3600, -7200]))
            let offsets = [-101, -100, 99, 100, 199, 200, 1 << 40].map { rules.secondsFromGMT(at: $0) }
            // Type 0 before the first transition; the last transition's type for ever after.
            #expect(offsets == [3600, -7200, -7200, 3600, 3600, -7200, -7200], "version \(version)")
        }
        #expect(throws: ZoneRules.FormatError.invalid("transition times not ascending")) {
            try ZoneRules(tzif: Self.tzif(transitions: [(100, 0), (100, 0)], offsets: [0]))
        }
        #expect(throws: ZoneRules.FormatError.invalid("transition to an undefined type")) {
            try ZoneRules(tzif: Self.tzif(transitions: [(100, 1)], offsets: [0]))
        }
    }

    @Test func truncatedOrCorruptFilesAreRefused() throws {
        let path = ZoneRulesTests.zoneinfo + "/Europe/Berlin"
        let whole = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let berlin = try ZoneRules.load(path: path)
        #expect(berlin.secondsFromGMT(at: Self.t("2024-07-01T00:00:00Z")) == 7200)
        // Every cut ends before the footer's closing newline.
        for length in 0..<whole.count {
            #expect(throws: ZoneRules.FormatError.self) { try ZoneRules(tzif: Array(whole[..<length])) }
        }
        // Any one byte changed parses or throws; it never traps or reads out of bounds.
        for index in whole.indices {
            var corrupt = whole
            corrupt[index] ^= 0xA5
            _ = try? ZoneRules(tzif: corrupt)
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ZoneRulesTests-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let truncated = directory.appendingPathComponent("Berlin")
        try Data(whole[..<(whole.count / 2)]).write(to: truncated)
        #expect(throws: ZoneRules.FormatError.truncated) { try ZoneRules.load(path: truncated.path) }
        #expect(throws: ZoneRules.FormatError.self) { try ZoneRules.load(path: directory.path) }
        #expect(throws: ZoneRules.FormatError.self) { try ZoneRules.load(path: directory.appendingPathComponent("missing").path) }
    }

    @Test(arguments: [
        "", "/etc/passwd", "../etc/passwd", "Europe/../../x", "../zoneinfo/Europe/Berlin", "Europe/./Berlin", "Europe//Berlin",
        "Europe/Berlin/", "./UTC", "Europe/Berlin ", "Europe/Berlin\u{0}", "Europe\\Berlin", "Europe/Berlin.tab", "localtime",
        "posixrules", "right/Europe/Berlin", "Mars/Olympus", String(repeating: "A", count: 300),
    ])
    func unsafeOrUnknownIdentifiersAreRefused(identifier: String) {
        #expect(ZoneRules.named(identifier) == nil)
        #expect(throws: ValidationError.self) { try CronExpression.validateTimeZone(identifier) }
    }

    @Test func utcIsBuiltIn() throws {
        for name in ["UTC", "GMT", "Etc/UTC", "Etc/GMT"] {
            let utc = try #require(ZoneRules.named(name))
            #expect([Int64.min, 0, Self.t("2024-07-01T00:00:00Z"), .max].map(utc.secondsFromGMT(at:)) == [0, 0, 0, 0])
        }
        #expect(ZoneRules.named("Europe/Berlin") == ZoneRules.named("Europe/Berlin"))
        #expect(ZoneRules.named("America/Argentina/Buenos_Aires") != nil)
        #expect(ZoneRules.named("Etc/GMT+5")?.secondsFromGMT(at: 0) == -18_000)
    }

    /// Schedules stored while Foundation judged time zones may name fixed offsets its way: each
    /// form Foundation reads keeps its meaning (east of Greenwich for `+`, unlike the `Etc/GMT+5`
    /// file), and each it refused is refused.
    @Test func gmtOffsetNamesMeanWhatFoundationMeant() {
        var names: [String] = []
        for prefix in ["GMT", "UTC"] {
            for sign in ["+", "-"] {
                for hours in ["0", "5", "05", "12", "14", "17", "18", "19", "24", "123"] {
                    for minutes in ["", ":30", "30", ".30", ":00", "00", ":5", ":60", ":59", "3", "60", ".5", ":"] {
                        names.append(prefix + sign + hours + minutes)
                    }
                }
            }
        }
        names += ["GMT", "UTC", "GMT+", "gmt+5", "UTC*5", "GMT+5:3"]
        let instant = 1_700_000_000
        for name in names {
            let foundation = TimeZone(identifier: name)?.secondsFromGMT(for: Date(timeIntervalSince1970: Double(instant)))
            #expect(ZoneRules.named(name)?.secondsFromGMT(at: Int64(instant)) == foundation, "\(name)")
        }
    }

    /// ICU's own names with no tz database file (Java's three-letter IDs): their offsets follow
    /// ICU's zone for them through the years, summer time included.
    @Test func legacyNamesFollowICU() throws {
        for name in [
            "ACT", "AET", "AGT", "ART", "AST", "BET", "BST", "CAT", "CNT", "CST", "CTT", "EAT", "ECT", "IET", "IST", "JST",
            "MIT", "NET", "NST", "PLT", "PNT", "PRT", "PST", "SST", "VST", "US/Pacific-New",
        ] {
            let ours = try #require(ZoneRules.named(name), "\(name)")
            let icu = try #require(TimeZone(identifier: name), "ICU knows \(name)")
            for instant in stride(from: Int64(1_420_070_400), to: 1_767_225_600, by: 86_400 * 7 + 3_600) {
                #expect(
                    ours.secondsFromGMT(at: instant) == icu.secondsFromGMT(for: Date(timeIntervalSince1970: Double(instant))),
                    "\(name) at \(instant)"
                )
            }
        }
    }
}
