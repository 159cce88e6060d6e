/// A key's hash slot in a Redis Cluster, per the cluster specification: CRC16 (the XMODEM
/// variant: polynomial 0x1021, initial value 0, no reflection) of the key modulo 16 384 — or of
/// its hash tag, the part between the first `{` and the first `}` after it, when that part is not
/// empty. Keys with the same tag live on the same node, so a script may touch them together.
///
/// Every queue's keys carry the queue's name as their tag (`<ns>:{<queue>}:…`, see
/// ``QueueKeys``): one queue, one slot, one node.
public struct HashSlot: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Slots in a cluster.
    public static let count = 16_384

    /// `0 ..< 16 384`.
    public let rawValue: UInt16

    public init?(rawValue: Int) {
        guard (0..<Self.count).contains(rawValue) else { return nil }
        self.rawValue = UInt16(rawValue)
    }

    /// The slot of `key`, a Redis key as the client sends it (its UTF-8 bytes).
    public init(key: some StringProtocol) {
        var key = String(key)
        self = key.withUTF8 { HashSlot(key: $0) }
    }

    /// The slot of `key`, a Redis key's bytes.
    public init(key: UnsafeBufferPointer<UInt8>) {
        rawValue = Self.crc16(Self.hashed(key)) & UInt16(Self.count - 1)
    }

    public var description: String { String(rawValue) }

    /// A key of `key`'s slot ending in `suffix`, starting as `key` does up to its first `:` (a
    /// namespace: a Redis user confined to `~forge:*` may use it too). With a hash tag, `key` up
    /// to the tag's end; without, `key` itself made the tag (`forge:queues` →
    /// `forge:{forge:queues}<suffix>`). `nil` for a key that cannot be wrapped so (one holding `}`
    /// but no tag).
    public static func keyBeside(_ key: String, suffix: String) -> String? {
        if let open = key.firstIndex(of: "{"), let close = key[key.index(after: open)...].firstIndex(of: "}"),
            close > key.index(after: open)
        {
            return String(key[...close]) + suffix
        }
        guard !key.contains("}") else { return nil }
        // A `{` before the first `:` would open the tag too early.
        guard let colon = key.firstIndex(of: ":"), !key[..<colon].contains("{") else { return "{" + key + "}" + suffix }
        return String(key[...colon]) + "{" + key + "}" + suffix
    }

    public static func < (lhs: HashSlot, rhs: HashSlot) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The bytes that decide the slot: the hash tag if the key has a non-empty one, else the key.
    static func hashed(_ key: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        guard let open = key.firstIndex(of: UInt8(ascii: "{")),
            let close = key[(open + 1)...].firstIndex(of: UInt8(ascii: "}")),
            close > open + 1
        else { return key }
        return UnsafeBufferPointer(rebasing: key[(open + 1)..<close])
    }

    static func crc16(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt16 {
        var crc: UInt16 = 0
        for byte in bytes {
            crc = (crc << 8) ^ table[Int(UInt8(truncatingIfNeeded: crc >> 8) ^ byte)]
        }
        return crc
    }

    /// CRC16-XMODEM of each byte value, so a key costs one lookup per byte.
    private static let table: [UInt16] = (0..<256).map { value in
        var crc = UInt16(value) << 8
        for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1 }
        return crc
    }
}
