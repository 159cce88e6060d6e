/// Percent-encoding for URL parts built from values: the CLI's requests to the gateway, and the
/// links Forge Web's pages build.
package enum URLEncoding {
    /// Every UTF-8 byte but the RFC 3986 unreserved characters is encoded, `&`, `=`, `+`, `/`, `?`
    /// and `#` included (`URLComponents` leaves `&` and `=` alone in query values).
    package static func component(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if isUnreserved(byte) {
                bytes.append(byte)
            } else {
                bytes += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `/v1/jobs/<id>`: each segment encoded on its own, so `..` or `/` in an argument stays in it.
    package static func path(_ segments: [String]) -> String {
        // `.` and `..` are unreserved, but as whole segments URL resolution would remove them.
        segments.map { "/" + ($0 == "." || $0 == ".." ? String(repeating: "%2E", count: $0.count) : component($0)) }.joined()
    }

    /// `?a=1&b=2` of the present values, or `""`.
    package static func query(_ items: [(String, String?)]) -> String {
        let present = items.compactMap { key, value in value.map { "\(component(key))=\(component($0))" } }
        return present.isEmpty ? "" : "?" + present.joined(separator: "&")
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"): true
        default: false
        }
    }
}
