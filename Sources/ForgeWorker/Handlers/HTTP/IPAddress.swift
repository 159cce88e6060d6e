#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address as its bytes: what the `http` handler checks before it connects.
///
/// Text goes through `inet_pton`, which takes only the canonical forms; the looser forms a URL
/// host may carry (`2130706433`, `0177.0.0.1`, `127.1`) are not addresses here, so they go to the
/// resolver, whose `getaddrinfo` turns them into the address they really name.
package struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    /// 4 bytes for IPv4, 16 for IPv6, in network order.
    package let bytes: [UInt8]

    package init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// Parses `192.0.2.1` or `2001:db8::1` (brackets allowed); nil for anything else.
    package init?(_ text: String) {
        var text = Substring(text)
        if text.hasPrefix("["), text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, String(text), &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
        } else if inet_pton(AF_INET6, String(text), &v6) == 1 {
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
        } else {
            return nil
        }
    }

    package var isIPv4: Bool { bytes.count == 4 }

    /// The IPv4 address an IPv6 one carries and is delivered to: IPv4-mapped (`::ffff:a.b.c.d`),
    /// IPv4-compatible (`::a.b.c.d`, deprecated but still routed by some stacks) and the NAT64
    /// well-known prefix (`64:ff9b::a.b.c.d`). `::` and `::1` are IPv6's own, not IPv4's.
    package var embeddedIPv4: IPAddress? {
        guard !isIPv4 else { return nil }
        let head = bytes[0..<12]
        let tail = Array(bytes[12..<16])
        let mapped: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]
        let nat64: [UInt8] = [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0]
        if head.elementsEqual(mapped) || head.elementsEqual(nat64) { return IPAddress(bytes: tail) }
        if head.allSatisfy({ $0 == 0 }), tail[0..<3].contains(where: { $0 != 0 }) || tail[3] > 1 {
            return IPAddress(bytes: tail)
        }
        return nil
    }

    /// The text form (`inet_ntop`): what refusals name and what the HTTP client connects to.
    package var description: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = isIPv4 ? AF_INET : AF_INET6
        let written = bytes.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &buffer, socklen_t(buffer.count)) }
        guard written != nil else { return "?" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
