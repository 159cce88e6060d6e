import ForgeCore

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
        package mutating func appendInterpolation(path value: String) { text += HTML.escaped(URLEncoding.component(value)) }
        /// A URL query value.
        package mutating func appendInterpolation(query value: String) { text += HTML.escaped(URLEncoding.component(value)) }
    }
}
