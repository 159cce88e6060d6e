extension JSONTape {
    /// A recursive-descent parser over UTF-8 bytes, appending nodes in document order.
    struct Parser {
        let bytes: [UInt8]
        var position = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        private func fail(_ reason: String) -> SyntaxError { SyntaxError(offset: position, reason: reason) }

        mutating func skipWhitespace() throws(SyntaxError) {
            while position < bytes.count {
                switch bytes[position] {
                case 0x20, 0x09, 0x0A, 0x0D: position += 1
                default: return
                }
            }
        }

        /// Parses one value at `position`; returns whether it (or anything inside it) holds U+0000.
        mutating func value(into nodes: inout [Node], depth: Int) throws(SyntaxError) -> Bool {
            guard depth < JSONTape.maxDepth else { throw fail("nested deeper than \(JSONTape.maxDepth) levels") }
            guard position < bytes.count else { throw fail("unexpected end of input") }
            let index = nodes.count
            let start = position
            switch bytes[position] {
            case UInt8(ascii: "{"):
                nodes.append(Node(kind: .object, escaped: false, hasNull: false, start: Int32(start), end: 0, next: 0, count: 0))
                let (count, hasNull) = try container(into: &nodes, depth: depth, close: UInt8(ascii: "}"), object: true)
                finish(&nodes, index, start: start, count: count, hasNull: hasNull)
                return hasNull
            case UInt8(ascii: "["):
                nodes.append(Node(kind: .array, escaped: false, hasNull: false, start: Int32(start), end: 0, next: 0, count: 0))
                let (count, hasNull) = try container(into: &nodes, depth: depth, close: UInt8(ascii: "]"), object: false)
                finish(&nodes, index, start: start, count: count, hasNull: hasNull)
                return hasNull
            case UInt8(ascii: "\""):
                let (escaped, hasNull) = try string()
                appendLeaf(.string, to: &nodes, start: start, escaped: escaped, hasNull: hasNull)
                return hasNull
            case UInt8(ascii: "t"):
                try literal("true")
                appendLeaf(.true, to: &nodes, start: start)
            case UInt8(ascii: "f"):
                try literal("false")
                appendLeaf(.false, to: &nodes, start: start)
            case UInt8(ascii: "n"):
                try literal("null")
                appendLeaf(.null, to: &nodes, start: start)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                try number()
                appendLeaf(.number, to: &nodes, start: start)
            default:
                throw fail("unexpected character")
            }
            return false
        }

        /// A value without children (string, number, literal) that ends where the parser stands.
        private func appendLeaf(_ kind: Kind, to nodes: inout [Node], start: Int, escaped: Bool = false, hasNull: Bool = false) {
            nodes.append(
                Node(
                    kind: kind,
                    escaped: escaped,
                    hasNull: hasNull,
                    start: Int32(start),
                    end: Int32(position),
                    next: Int32(nodes.count + 1),
                    count: 0
                )
            )
        }

        private func finish(_ nodes: inout [Node], _ index: Int, start: Int, count: Int, hasNull: Bool) {
            nodes[index].end = Int32(position)
            nodes[index].next = Int32(nodes.count)
            nodes[index].count = Int32(count)
            nodes[index].hasNull = hasNull
        }

        /// The members of an object or elements of an array, up to and including `close`.
        private mutating func container(
            into nodes: inout [Node],
            depth: Int,
            close: UInt8,
            object: Bool
        ) throws(SyntaxError) -> (count: Int, hasNull: Bool) {
            position += 1
            try skipWhitespace()
            var count = 0
            var hasNull = false
            if position < bytes.count, bytes[position] == close {
                position += 1
                return (0, false)
            }
            while true {
                if object {
                    guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw fail("expected a member name") }
                    hasNull = try value(into: &nodes, depth: depth + 1) || hasNull
                    try skipWhitespace()
                    guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                    position += 1
                    try skipWhitespace()
                }
                hasNull = try value(into: &nodes, depth: depth + 1) || hasNull
                count += 1
                try skipWhitespace()
                guard position < bytes.count else { throw fail("unexpected end of input") }
                if bytes[position] == close {
                    position += 1
                    return (count, hasNull)
                }
                guard bytes[position] == UInt8(ascii: ",") else { throw fail(object ? "expected ',' or '}'" : "expected ',' or ']'") }
                position += 1
                try skipWhitespace()
            }
        }

        private mutating func literal(_ word: StaticString) throws(SyntaxError) {
            let count = word.utf8CodeUnitCount
            guard position + count <= bytes.count else { throw fail("unexpected end of input") }
            let matches = word.withUTF8Buffer { expected in
                (0..<count).allSatisfy { bytes[position + $0] == expected[$0] }
            }
            guard matches else { throw fail("unexpected character") }
            position += count
        }

        private mutating func number() throws(SyntaxError) {
            if bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard position < bytes.count, isDigit(bytes[position]) else { throw fail("invalid number") }
            if bytes[position] == UInt8(ascii: "0") {
                position += 1
                if position < bytes.count, isDigit(bytes[position]) { throw fail("invalid number: leading zero") }
            } else {
                while position < bytes.count, isDigit(bytes[position]) { position += 1 }
            }
            if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
                position += 1
                guard position < bytes.count, isDigit(bytes[position]) else { throw fail("invalid number") }
                while position < bytes.count, isDigit(bytes[position]) { position += 1 }
            }
            if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
                position += 1
                if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                    position += 1
                }
                guard position < bytes.count, isDigit(bytes[position]) else { throw fail("invalid number") }
                while position < bytes.count, isDigit(bytes[position]) { position += 1 }
            }
        }

        private func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

        /// A string at `position` (the opening quote), checked for escapes, control characters,
        /// lone surrogates and UTF-8; returns whether it has escapes and whether it holds U+0000.
        private mutating func string() throws(SyntaxError) -> (escaped: Bool, hasNull: Bool) {
            position += 1
            var escaped = false
            var hasNull = false
            while position < bytes.count {
                let byte = bytes[position]
                switch byte {
                case UInt8(ascii: "\""):
                    position += 1
                    return (escaped, hasNull)
                case UInt8(ascii: "\\"):
                    escaped = true
                    guard position + 1 < bytes.count else { throw fail("unexpected end of input") }
                    switch bytes[position + 1] {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                        UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        position += 2
                    case UInt8(ascii: "u"):
                        let code = try hexEscape(at: position)
                        position += 6
                        if code == 0 { hasNull = true }
                        if (0xDC00...0xDFFF).contains(code) { throw fail("lone low surrogate in a \\u escape") }
                        if (0xD800...0xDBFF).contains(code) {
                            guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                                bytes[position + 1] == UInt8(ascii: "u"),
                                (0xDC00...0xDFFF).contains(try hexEscape(at: position))
                            else { throw fail("lone high surrogate in a \\u escape") }
                            position += 6
                        }
                    default:
                        throw fail("invalid escape")
                    }
                case 0..<0x20:
                    throw fail("control character in a string")
                case 0..<0x80:
                    position += 1
                default:
                    try utf8Sequence()
                }
            }
            throw fail("unterminated string")
        }

        private func hexEscape(at index: Int) throws(SyntaxError) -> UInt32 {
            guard index + 5 < bytes.count else { throw fail("unexpected end of input") }
            var value: UInt32 = 0
            for offset in 2..<6 {
                guard let digit = bytes[index + offset].hexDigitValue else { throw fail("invalid \\u escape") }
                value = value << 4 | UInt32(digit)
            }
            return value
        }

        /// One multi-byte UTF-8 sequence: no overlong forms, surrogates or code points past U+10FFFF.
        private mutating func utf8Sequence() throws(SyntaxError) {
            let lead = bytes[position]
            let length: Int
            let minimum: UInt32
            var code: UInt32
            switch lead {
            case 0xC2...0xDF: (length, code, minimum) = (2, UInt32(lead & 0x1F), 0x80)
            case 0xE0...0xEF: (length, code, minimum) = (3, UInt32(lead & 0x0F), 0x800)
            case 0xF0...0xF4: (length, code, minimum) = (4, UInt32(lead & 0x07), 0x10000)
            default: throw fail("invalid UTF-8")
            }
            guard position + length <= bytes.count else { throw fail("invalid UTF-8") }
            for offset in 1..<length {
                let next = bytes[position + offset]
                guard next & 0xC0 == 0x80 else { throw fail("invalid UTF-8") }
                code = code << 6 | UInt32(next & 0x3F)
            }
            guard code >= minimum, code <= 0x10FFFF, !(0xD800...0xDFFF).contains(code) else { throw fail("invalid UTF-8") }
            position += length
        }
    }
}
