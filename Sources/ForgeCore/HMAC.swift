/// HMAC-SHA256 (RFC 2104): what Forge Web signs its session cookies and CSRF tokens with.
/// Checked against RFC 4231's vectors (`HMACTests`).
public enum HMAC {
    private static let blockBytes = 64

    public static func sha256(key: some Collection<UInt8>, message: some Collection<UInt8>) -> [UInt8] {
        var block = key.count > blockBytes ? SHA256.hash(data: key) : Array(key)
        block += [UInt8](repeating: 0, count: blockBytes - block.count)
        var inner = SHA256()
        inner.update(data: block.map { $0 ^ 0x36 })
        inner.update(data: message)
        var outer = SHA256()
        outer.update(data: block.map { $0 ^ 0x5c })
        outer.update(data: inner.finalize())
        return outer.finalize()
    }

    /// Whether two byte strings are equal, in a time that depends only on their lengths: a
    /// signature compared byte by byte with an early exit tells an attacker how much was right.
    public static func equal(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(lhs, rhs) { difference |= a ^ b }
        return difference == 0
    }
}
