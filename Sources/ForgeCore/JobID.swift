import Synchronization

/// A job's identity: a UUIDv7 in its canonical lower-case string form.
///
/// Version 7 puts the creation time in the leading 48 bits, so ids sort by creation time and
/// B-tree indexes on them stay append-mostly. Within one millisecond a per-process counter fills
/// `rand_a`, so ids made by one process are strictly increasing.
///
/// An id made for a queue (``generate(tag:nowMilliseconds:)``) carries the queue's 16-bit
/// ``QueueName/tag`` in its last four hex digits, so the queue holding a job is found from the id
/// alone, without a per-job index or a lookup in every queue; the other 46 bits of `rand_b` stay
/// random.
public struct JobID: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public let rawValue: String

    /// Accepts any RFC 9562 UUID string (any version), normalised to lower case.
    public init(_ string: String) throws(ValidationError) {
        guard let normalised = JobID.normalise(string) else {
            throw ValidationError(field: "id", reason: "must be a UUID such as 0190b6a4-7c1e-7cc3-9a1e-3f0c2b9d4e5f")
        }
        rawValue = normalised
    }

    private init(trusted: String) { rawValue = trusted }

    /// A new time-ordered id.
    public static func generate(nowMilliseconds: Int64 = WallClock.nowMilliseconds()) -> JobID {
        make(tag: nil, nowMilliseconds: nowMilliseconds)
    }

    /// A new time-ordered id carrying `tag` (see ``tag``).
    public static func generate(tag: UInt16, nowMilliseconds: Int64 = WallClock.nowMilliseconds()) -> JobID {
        make(tag: tag, nowMilliseconds: nowMilliseconds)
    }

    /// The last 16 bits: the queue's ``QueueName/tag`` for an id made by ``generate(tag:nowMilliseconds:)``
    /// (random for other ids, which only means a lookup by tag finds nothing).
    public var tag: UInt16 {
        rawValue.utf8.suffix(4).reduce(0) { $0 << 4 | UInt16(Self.hexValue($1)) }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8 {
        byte <= UInt8(ascii: "9") ? byte &- UInt8(ascii: "0") : (byte | 0x20) &- UInt8(ascii: "a") &+ 10
    }

    private static func make(tag: UInt16?, nowMilliseconds: Int64) -> JobID {
        let (ms, counter) = sequence.withLock { state -> (Int64, UInt16) in
            if nowMilliseconds > state.ms {
                state = (nowMilliseconds, UInt16.random(in: 0..<0x400))
            } else if state.counter < 0xFFF {
                state.counter += 1
            } else {
                // The 12-bit counter ran out inside one millisecond: borrow the next millisecond.
                state = (state.ms + 1, 0)
            }
            return (state.ms, state.counter)
        }
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: ms >> (8 * (5 - index))) }
        bytes[6] = 0x70 | UInt8(counter >> 8)
        bytes[7] = UInt8(truncatingIfNeeded: counter)
        var random = SystemRandomNumberGenerator()
        let tail = random.next() as UInt64
        for index in 8..<16 { bytes[index] = UInt8(truncatingIfNeeded: tail >> (8 * (15 - index))) }
        bytes[8] = 0x80 | (bytes[8] & 0x3F)
        if let tag {
            bytes[14] = UInt8(truncatingIfNeeded: tag >> 8)
            bytes[15] = UInt8(truncatingIfNeeded: tag)
        }
        return JobID(trusted: format(bytes))
    }

    public var description: String { rawValue }

    public static func < (lhs: JobID, rhs: JobID) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let string = try decoder.singleValueContainer().decode(String.self)
        try self.init(string)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    private static let sequence = Mutex<(ms: Int64, counter: UInt16)>((0, 0))

    private static func format(_ bytes: [UInt8]) -> String {
        let hex = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(36)
        for (index, byte) in bytes.enumerated() {
            if index == 4 || index == 6 || index == 8 || index == 10 { out.append(UInt8(ascii: "-")) }
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Validates on the UTF-8 view without copying; only an id with upper-case digits is rebuilt.
    /// The archiver checks every id it reads back from Redis, so the common case allocates nothing.
    private static func normalise(_ string: String) -> String? {
        var count = 0
        var hasUpper = false
        for char in string.utf8 {
            if count == 8 || count == 13 || count == 18 || count == 23 {
                guard char == UInt8(ascii: "-") else { return nil }
            } else {
                switch char {
                case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"): break
                case UInt8(ascii: "A")...UInt8(ascii: "F"): hasUpper = true
                default: return nil
                }
            }
            count += 1
            if count > 36 { return nil }
        }
        guard count == 36 else { return nil }
        return hasUpper ? string.lowercased() : string
    }
}
