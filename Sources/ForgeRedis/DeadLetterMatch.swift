import ForgeCore

/// Which of a queue's dead letters a filtered list, count or bulk action takes: those of one job
/// type, those whose last error contains a piece of text, or both.
///
/// Error text is compared byte for byte with the case of ASCII letters ignored: the scripts fold
/// with Lua's `string.lower`, which in Redis' C locale folds only A–Z, and ``matches(_:)`` folds
/// the same bytes, so Redis and the gateway never disagree about a job.
public struct DeadLetterMatch: Sendable, Hashable {
    /// The exact job type, or `nil` for any.
    public var type: JobType?
    /// Text the job's last error contains, or `nil` for any.
    public var errorText: String?

    public init(type: JobType? = nil, errorText: String? = nil) {
        self.type = type
        self.errorText = errorText
    }

    /// Every dead letter.
    public static let everything = DeadLetterMatch()

    public var matchesEverything: Bool { type == nil && errorText == nil }

    /// Whether `record` is one this match takes (what the scripts decide from the job hash).
    public func matches(_ record: JobRecord) -> Bool {
        if let type, record.type != type.rawValue { return false }
        if let errorText {
            guard let lastError = record.lastError else { return false }
            return Self.contains(Self.folded(lastError.utf8), Self.folded(errorText.utf8))
        }
        return true
    }

    /// The error text as the scripts compare it.
    var foldedErrorText: String {
        errorText.map { String(decoding: Self.folded($0.utf8), as: UTF8.self) } ?? ""
    }

    private static func folded(_ bytes: String.UTF8View) -> [UInt8] {
        bytes.map { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) ? $0 | 0x20 : $0 }
    }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty else { return true }
        guard haystack.count >= needle.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }
}
