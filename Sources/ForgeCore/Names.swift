/// A queue's name: `[a-z0-9][a-z0-9_.-]{0,63}`.
///
/// The name becomes part of every Redis key of the queue (inside a `{…}` hash tag), so the alphabet
/// excludes braces, colons and spaces.
public struct QueueName: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public let rawValue: String
    public static let `default` = QueueName(trusted: "default")

    public init(_ string: String, field: String = "queue") throws(ValidationError) {
        let bytes = Array(string.utf8)
        guard (1...64).contains(bytes.count) else {
            throw ValidationError(field: field, reason: "must be 1 to 64 characters long")
        }
        guard QueueName.isLowerAlnum(bytes[0]) else {
            throw ValidationError(field: field, reason: "must start with a lower-case letter or digit")
        }
        for byte in bytes.dropFirst()
        where !(QueueName.isLowerAlnum(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")) {
            throw ValidationError(field: field, reason: "may only contain a-z, 0-9, '_', '.' and '-'")
        }
        rawValue = string
    }

    private init(trusted: String) { rawValue = trusted }

    public var description: String { rawValue }
    public static func < (lhs: QueueName, rhs: QueueName) -> Bool { lhs.rawValue < rhs.rawValue }

    /// 16 bits derived from the name (FNV-1a, folded), the same in every process and version:
    /// job ids made for this queue carry it (``JobID/tag``).
    public var tag: UInt16 {
        var hash: UInt32 = 0x811C_9DC5
        for byte in rawValue.utf8 { hash = (hash ^ UInt32(byte)) &* 0x0100_0193 }
        return UInt16(truncatingIfNeeded: hash ^ (hash >> 16))
    }

    public init(from decoder: any Decoder) throws {
        try self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    static func isLowerAlnum(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}

/// A job's type, which selects its handler: `[A-Za-z0-9_.:-]{1,128}`.
public struct JobType: Hashable, Sendable, CustomStringConvertible, Codable {
    public let rawValue: String

    public init(_ string: String, field: String = "type") throws(ValidationError) {
        let bytes = Array(string.utf8)
        guard (1...128).contains(bytes.count) else {
            throw ValidationError(field: field, reason: "must be 1 to 128 characters long")
        }
        for byte in bytes {
            let lower = byte | 0x20
            let ok =
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(lower)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
                || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "-")
            guard ok else {
                throw ValidationError(field: field, reason: "may only contain A-Z, a-z, 0-9, '_', '.', ':' and '-'")
            }
        }
        rawValue = string
    }

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        try self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
