/// A request body parsed once into a flat list of nodes that point into the original bytes.
///
/// Strict RFC 8259 JSON: valid UTF-8, no control characters or lone surrogates in strings, no
/// leading zeros, nesting at most ``maxDepth``. Every value keeps its byte range, so a payload is
/// stored exactly as the caller sent it (key order, `1.0`, integers beyond 2^63) without being
/// decoded and encoded again, and reading a field costs no allocation until it is asked for.
package struct JSONTape: Sendable {
    package enum Kind: UInt8, Sendable {
        case null, `true`, `false`, number, string, array, object
    }

    package struct Node: Sendable {
        package var kind: Kind
        /// Whether a string holds escapes (`\n`, `\u00e9`), i.e. its text is not its bytes.
        package var escaped: Bool
        /// Whether a string, or any string inside a container, holds U+0000.
        package var hasNull: Bool
        package var start: Int32
        package var end: Int32
        /// The index after this node's subtree: its next sibling, if any.
        package var next: Int32
        /// Children of an array; members (key and value nodes) of an object, counted once.
        package var count: Int32
    }

    package let bytes: [UInt8]
    package private(set) var nodes: [Node] = []

    package static let maxDepth = 64

    package struct SyntaxError: Error, Sendable {
        package var offset: Int
        package var reason: String
    }

    package init(_ bytes: [UInt8]) throws(SyntaxError) {
        self.bytes = bytes
        nodes.reserveCapacity(max(16, bytes.count / 8))
        var parser = Parser(bytes: bytes)
        try parser.skipWhitespace()
        _ = try parser.value(into: &nodes, depth: 0)
        try parser.skipWhitespace()
        guard parser.position == bytes.count else { throw SyntaxError(offset: parser.position, reason: "text after the value") }
    }

    /// The exact text of node `index`.
    package func raw(_ index: Int) -> String {
        let node = nodes[index]
        return String(decoding: bytes[Int(node.start)..<Int(node.end)], as: UTF8.self)
    }

    /// The value of string node `index`, escapes decoded.
    package func string(_ index: Int) -> String {
        let node = nodes[index]
        let inner = bytes[Int(node.start) + 1..<Int(node.end) - 1]
        guard node.escaped else { return String(decoding: inner, as: UTF8.self) }
        return Self.unescape(inner)
    }

    /// Whether string node `index` equals `key`, without building a String when it has no escapes.
    package func stringEquals(_ index: Int, _ key: String) -> Bool {
        let node = nodes[index]
        guard !node.escaped else { return string(index) == key }
        let inner = bytes[Int(node.start) + 1..<Int(node.end) - 1]
        return key.utf8.elementsEqual(inner)
    }

    /// The members of object node `index` as (key node, value node) pairs.
    package func members(_ index: Int) -> [(key: Int, value: Int)] {
        var out: [(Int, Int)] = []
        out.reserveCapacity(Int(nodes[index].count))
        var child = index + 1
        for _ in 0..<nodes[index].count {
            let value = child + 1
            out.append((child, value))
            child = Int(nodes[value].next)
        }
        return out
    }

    /// The elements of array node `index`.
    package func elements(_ index: Int) -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(Int(nodes[index].count))
        var child = index + 1
        for _ in 0..<nodes[index].count {
            out.append(child)
            child = Int(nodes[child].next)
        }
        return out
    }

    private static func unescape(_ inner: ArraySlice<UInt8>) -> String {
        var scalars = String.UnicodeScalarView()
        var utf8: [UInt8] = []
        var index = inner.startIndex
        func flush() {
            if !utf8.isEmpty {
                scalars.append(contentsOf: String(decoding: utf8, as: UTF8.self).unicodeScalars)
                utf8.removeAll(keepingCapacity: true)
            }
        }
        while index < inner.endIndex {
            let byte = inner[index]
            guard byte == UInt8(ascii: "\\") else {
                utf8.append(byte)
                index += 1
                continue
            }
            flush()
            let escape = inner[index + 1]
            index += 2
            switch escape {
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "b"): scalars.append("\u{08}")
            case UInt8(ascii: "f"): scalars.append("\u{0C}")
            case UInt8(ascii: "u"):
                var code = hex4(inner, index)
                index += 4
                if (0xD800...0xDBFF).contains(code) {
                    // The parser checked that a low surrogate follows.
                    let low = hex4(inner, index + 2)
                    index += 6
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                }
                scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
            default: scalars.append(Unicode.Scalar(escape))
            }
        }
        flush()
        return String(scalars)
    }

    package static func hex4(_ bytes: ArraySlice<UInt8>, _ at: Int) -> UInt32 {
        var value: UInt32 = 0
        for offset in 0..<4 { value = value << 4 | UInt32(bytes[at + offset].hexDigitValue ?? 0) }
        return value
    }
}
