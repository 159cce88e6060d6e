import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The UTC offsets of one IANA time zone, read from the system's compiled tz database (TZif files,
/// RFC 8536) rather than through Foundation's `TimeZone`, which needs ICU for anything but GMT
/// offsets.
///
/// Holds the transition table and the POSIX TZ footer that extends it past its last transition.
public struct ZoneRules: Sendable, Hashable {
    /// Unix seconds at which the offset changes, ascending.
    package let transitions: [Int64]
    /// The offset in force from `transitions[i]` on; as many as `transitions`.
    let offsets: [Int]
    /// The offset before the first transition (and always, when there are none and no footer).
    let initialOffset: Int
    /// The rule for instants after the last transition; nil keeps the last transition's offset.
    let footer: Footer?

    /// UTC without a tz database: the names callers use most must not depend on tzdata installed.
    static let utc = ZoneRules(transitions: [], offsets: [], initialOffset: 0, footer: nil)
    private static let builtIn: Set<String> = ["UTC", "GMT", "Etc/UTC", "Etc/GMT"]

    /// The zone called `identifier` (`Europe/Berlin`), from `$TZDIR` or `/usr/share/zoneinfo`;
    /// nil when the name is malformed, unknown, its file is not a valid TZif file, or it cannot be
    /// read now (see ``lookup(_:)``).
    public static func named(_ identifier: String) -> ZoneRules? {
        if case .found(let rules) = lookup(identifier) { rules } else { nil }
    }

    /// What looking `identifier` up found.
    public enum Lookup: Sendable, Equatable {
        case found(ZoneRules)
        /// Malformed, not in the database, or not a TZif file: asking again gives the same answer.
        case unknown
        /// Its file exists but could not be read now (no descriptors left, an I/O error, tzdata
        /// being replaced): asking later may find it. Never cached.
        case unreadable(String)
    }

    /// ``named(_:)`` telling a zone that does not exist from one that could not be read now, so the
    /// scheduler tries a schedule again later instead of parking it.
    public static func lookup(_ identifier: String) -> Lookup {
        if builtIn.contains(identifier) { return .found(utc) }
        if let offset = gmtOffset(identifier) { return .found(ZoneRules(transitions: [], offsets: [], initialOffset: offset, footer: nil)) }
        if let alias = legacyAliases[identifier] { return lookup(alias) }
        // Only names that passed the check below are cached, so a hit needs no check.
        if let cached = cache.withLock({ $0[identifier] }) { return cached.map(Lookup.found) ?? .unknown }
        // Names come from API callers: nothing but a plain relative path may reach the file system.
        guard isWellFormed(identifier) else { return .unknown }
        // As glibc: an unset or empty TZDIR means the standard place.
        let tzdir = getenv("TZDIR").map { String(cString: $0) } ?? ""
        let directory = tzdir.isEmpty ? "/usr/share/zoneinfo" : tzdir
        let rules: ZoneRules?
        do {
            rules = try load(path: directory + "/" + identifier)
        } catch .unreadable(let path, let error) where ![ENOENT, ENOTDIR, EISDIR, ELOOP, ENAMETOOLONG].contains(error) {
            return .unreadable("cannot read \(path) (errno \(error))")
        } catch {
            rules = nil
        }
        cache.withLock { cache in
            // Zones found are bounded by the database; misses are not, so only a few are remembered.
            if rules != nil || cache.count < maximumCachedMisses { cache[identifier] = rules }
        }
        return rules.map(Lookup.found) ?? .unknown
    }

    /// `GMT+5`, `UTC-03:30`, `GMT+0530`, `GMT+5.30`: fixed offsets as Foundation's
    /// `TimeZone(identifier:)` read them (east of Greenwich for `+`; the opposite of POSIX and of
    /// the `Etc/GMT+5` file), which schedules stored before this reader may name. Hours 0–18 in one
    /// or two digits; minutes two digits after `:`, `.` or (after two-digit hours) nothing, up to
    /// 59, or 60 after two-digit hours and a separator; 18 hours only exactly. `ZoneRulesTests` holds it to
    /// Foundation's answers.
    static func gmtOffset(_ identifier: String) -> Int? {
        let bytes = Array(identifier.utf8)
        guard bytes.count >= 5, bytes.count <= 9, identifier.hasPrefix("GMT") || identifier.hasPrefix("UTC") else { return nil }
        let sign: Int
        switch bytes[3] {
        case UInt8(ascii: "+"): sign = 1
        case UInt8(ascii: "-"): sign = -1
        default: return nil
        }
        let rest = bytes[4...]
        let isDigit = { (byte: UInt8) in (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
        let hourDigits = rest.prefix { isDigit($0) }.count
        let separated = rest.count > hourDigits && [UInt8(ascii: ":"), UInt8(ascii: ".")].contains(rest[rest.startIndex + hourDigits])
        let minuteText = rest.dropFirst(hourDigits + (separated ? 1 : 0))
        let (hourText, minutes): (ArraySlice<UInt8>, ArraySlice<UInt8>) =
            hourDigits == 4 && !separated ? (rest.prefix(2), rest.suffix(2)) : (rest.prefix(hourDigits), minuteText)
        guard (1...2).contains(hourText.count), minutes.isEmpty || (minutes.count == 2 && minutes.allSatisfy(isDigit)),
            !(separated && minutes.isEmpty)
        else { return nil }
        let value = { (digits: ArraySlice<UInt8>) in digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) } }
        let hours = value(hourText)
        let minute = value(minutes)
        guard minute <= (hourText.count == 2 && separated ? 60 : 59), hours * 60 + minute <= 18 * 60, hours <= 18 else { return nil }
        return sign * (hours * 3600 + minute * 60)
    }

    /// IDs ICU knows that the tz database has no file for (Java's old three-letter names), so
    /// schedules stored with them keep firing; `ZoneRulesTests` checks each against ICU.
    static let legacyAliases: [String: String] = [
        "ACT": "Australia/Darwin", "AET": "Australia/Sydney", "AGT": "America/Argentina/Buenos_Aires", "ART": "Africa/Cairo",
        "AST": "America/Anchorage", "BET": "America/Sao_Paulo", "BST": "Asia/Dhaka", "CAT": "Africa/Harare", "CNT": "America/St_Johns",
        "CST": "America/Chicago", "CTT": "Asia/Shanghai", "EAT": "Africa/Addis_Ababa", "ECT": "Europe/Paris",
        "IET": "America/Indiana/Indianapolis", "IST": "Asia/Kolkata", "JST": "Asia/Tokyo", "MIT": "Pacific/Apia", "NET": "Asia/Yerevan",
        "NST": "Pacific/Auckland", "PLT": "Asia/Karachi", "PNT": "America/Phoenix", "PRT": "America/Puerto_Rico",
        "PST": "America/Los_Angeles", "SST": "Pacific/Guadalcanal", "VST": "Asia/Ho_Chi_Minh", "US/Pacific-New": "America/Los_Angeles",
    ]

    /// The scheduler asks once or more per fire; parsing the file each time would be wasteful.
    private static let cache = Mutex<[String: ZoneRules?]>([:])
    private static let maximumCachedMisses = 1024

    /// The UTC offset, in seconds east of Greenwich, in force at Unix second `unixSeconds`.
    public func secondsFromGMT(at unixSeconds: Int64) -> Int {
        // RFC 8536 §3.3: with no transitions the footer, if any, rules at all times.
        guard let first = transitions.first else { return footer?.offset(at: unixSeconds) ?? initialOffset }
        guard unixSeconds >= first else { return initialOffset }
        if unixSeconds > transitions[transitions.count - 1], let footer { return footer.offset(at: unixSeconds) }
        // The last transition at or before `unixSeconds`.
        var low = 0
        var high = transitions.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if transitions[middle] <= unixSeconds { low = middle } else { high = middle - 1 }
        }
        return offsets[low]
    }

    /// `[A-Za-z0-9/_+-]` only, relative, no empty, `.` or `..` components; and not one of the
    /// files beside the zones that glibc reads as configuration (ICU refused them too).
    private static func isWellFormed(_ identifier: String) -> Bool {
        let bytes = Array(identifier.utf8)
        guard !bytes.isEmpty, bytes.count <= 255, identifier != "localtime", identifier != "posixrules" else { return false }
        let allowed = bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
            case UInt8(ascii: "/"), UInt8(ascii: "_"), UInt8(ascii: "+"), UInt8(ascii: "-"): true
            default: false
            }
        }
        let components = bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        return allowed && !components.contains { $0.isEmpty || $0.allSatisfy { $0 == UInt8(ascii: ".") } }
    }

    /// Reads and parses the TZif file at `path`.
    package static func load(path: String) throws(FormatError) -> ZoneRules {
        try ZoneRules(tzif: readFile(path))
    }

    /// The whole file, refusing anything that is not a regular file of TZif size (a TZDIR
    /// pointing at a device or a huge file must not hang or exhaust the scheduler).
    private static func readFile(_ path: String) throws(FormatError) -> [UInt8] {
        // Non-blocking: a FIFO put where a zone file belongs must not hang the scheduler.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw .unreadable(path: path, errno: errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .unreadable(path: path, errno: errno) }
        guard info.st_mode & S_IFMT == S_IFREG, info.st_size <= 1 << 20 else { throw .invalid("not a regular file under 1 MiB") }
        switch FileDescriptorIO.readAll(fd, limit: 1 << 20) {
        case .complete(let bytes): return bytes
        case .failed(let errno): throw .unreadable(path: path, errno: errno)
        case .tooLong: throw .invalid("file grew past 1 MiB while read")
        }
    }

    /// Why a zone file was refused; `named` turns any of these into nil.
    package enum FormatError: Error, Equatable {
        case unreadable(path: String, errno: Int32)
        case truncated
        case invalid(String)
    }
}
