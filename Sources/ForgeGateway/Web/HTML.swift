/// A piece of HTML. Interpolated strings are escaped, interpolated `HTML` is inserted as it is:
/// a page is written as literals with values in them, and a value a caller supplied (a queue name,
/// a payload, an error message) cannot become markup unless code says so by wrapping it in `HTML`.
package struct HTML: Sendable, ExpressibleByStringInterpolation {
    package var text: String

    package init(stringLiteral value: String) { text = value }
    package init(stringInterpolation: StringInterpolation) { text = stringInterpolation.text }
    private init(raw: String) { text = raw }

    static let empty = HTML(stringLiteral: "")

    /// Pieces joined in order.
    package init(_ pieces: [HTML]) {
        text = pieces.reduce(into: "") { $0 += $1.text }
    }

    /// Text as a text node (or a double-quoted attribute value): `&<>"'` escaped.
    static func escaped(_ value: some StringProtocol) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    package struct StringInterpolation: StringInterpolationProtocol {
        var text = ""

        package init(literalCapacity: Int, interpolationCount: Int) {
            text.reserveCapacity(literalCapacity + interpolationCount * 16)
        }

        package mutating func appendLiteral(_ literal: String) { text += literal }
        package mutating func appendInterpolation(_ value: String) { text += HTML.escaped(value) }
        package mutating func appendInterpolation(_ value: Substring) { text += HTML.escaped(value) }
        package mutating func appendInterpolation(_ html: HTML) { text += html.text }
        package mutating func appendInterpolation(_ pieces: [HTML]) { for piece in pieces { text += piece.text } }
        package mutating func appendInterpolation(_ value: Int) { text += String(value) }
        package mutating func appendInterpolation(_ value: Int64) { text += String(value) }
        /// A URL path segment: percent-encoded, then escaped for the attribute it sits in.
        package mutating func appendInterpolation(path value: String) { text += HTML.escaped(URLText.segment(value)) }
        /// A URL query value.
        package mutating func appendInterpolation(query value: String) { text += HTML.escaped(URLText.queryValue(value)) }
    }
}

/// Percent-encoding for the links pages build from values (RFC 3986 unreserved characters stay).
package enum URLText {
    package static func segment(_ value: String) -> String { encode(value) }
    package static func queryValue(_ value: String) -> String { encode(value) }

    /// `?a=1&b=x` from the pairs whose value is present, in order; empty when none is.
    static func query(_ pairs: [(String, String?)]) -> String {
        let present = pairs.compactMap { key, value in value.map { "\(key)=\(encode($0))" } }
        return present.isEmpty ? "" : "?" + present.joined(separator: "&")
    }

    private static func encode(_ value: String) -> String {
        var out = ""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }
}
