/// Writes JSON text straight into bytes: the gateway's responses on the hot path (enqueue, batch, a
/// job), those that must splice stored JSON unchanged (a job's payload and result, byte for byte),
/// and the services' log lines.
package struct JSONWriter {
    package private(set) var bytes: [UInt8] = []
    private var needsComma: [Bool] = []

    package init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    package mutating func beginObject() {
        value()
        bytes.append(UInt8(ascii: "{"))
        needsComma.append(false)
    }
    package mutating func endObject() {
        needsComma.removeLast()
        bytes.append(UInt8(ascii: "}"))
    }
    package mutating func beginArray() {
        value()
        bytes.append(UInt8(ascii: "["))
        needsComma.append(false)
    }
    package mutating func endArray() {
        needsComma.removeLast()
        bytes.append(UInt8(ascii: "]"))
    }

    /// The name of the next member of the current object.
    package mutating func key(_ name: String) {
        comma()
        appendString(name)
        bytes.append(UInt8(ascii: ":"))
        // The value that follows must not write a comma of its own.
        needsComma[needsComma.count - 1] = false
    }

    /// The member `name` of the current object: an array of `items`, each written by `write`.
    package mutating func array<Items: Sequence>(_ name: String, _ items: Items, _ write: (Items.Element, inout JSONWriter) -> Void) {
        key(name)
        beginArray()
        for item in items { write(item, &self) }
        endArray()
    }

    package mutating func string(_ text: String) {
        value()
        appendString(text)
    }
    package mutating func string(_ text: String?) { if let text { string(text) } else { null() } }
    package mutating func int<Number: BinaryInteger>(_ number: Number) {
        value()
        bytes.append(contentsOf: String(number).utf8)
    }
    package mutating func int<Number: BinaryInteger>(_ number: Number?) { if let number { int(number) } else { null() } }
    package mutating func bool(_ flag: Bool) {
        value()
        bytes.append(contentsOf: (flag ? "true" : "false").utf8)
    }
    package mutating func null() {
        value()
        bytes.append(contentsOf: "null".utf8)
    }

    /// JSON text written as it is; the caller vouches that it is one valid JSON value.
    package mutating func raw(_ json: String) {
        value()
        bytes.append(contentsOf: json.utf8)
    }

    /// Stored JSON (a payload or result) unchanged when it is valid JSON, else as a JSON string.
    package mutating func stored(_ json: String?) {
        guard let json else { return null() }
        if (try? JSONTape(Array(json.utf8))) != nil { raw(json) } else { string(json) }
    }

    private mutating func value() {
        comma()
        if !needsComma.isEmpty { needsComma[needsComma.count - 1] = true }
    }

    private mutating func comma() {
        if let last = needsComma.last, last { bytes.append(UInt8(ascii: ",")) }
    }

    private mutating func appendString(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: bytes.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
