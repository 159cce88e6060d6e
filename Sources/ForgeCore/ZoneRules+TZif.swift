extension ZoneRules {
    /// Parses a TZif file (RFC 8536): for version 2 and later the 64-bit data block and the TZ
    /// string footer after it, for version 1 its 32-bit block. Every count and offset is checked
    /// against the bytes present, so a truncated or corrupt file throws instead of trapping.
    package init(tzif bytes: [UInt8]) throws(FormatError) {
        var reader = ByteReader(bytes: bytes)
        let first = try Header(&reader)
        guard first.version != 0 else {
            self = try Self.block(&reader, first, timeSize: 4)
            return
        }
        // The version 1 block only serves 32-bit readers; the same data follows in 64 bits.
        try reader.skip(first.blockLength(timeSize: 4))
        let second = try Header(&reader)
        guard second.version != 0 else { throw .invalid("second header is version 1") }
        let table = try Self.block(&reader, second, timeSize: 8)
        guard try reader.byte() == UInt8(ascii: "\n") else { throw .invalid("footer does not start with a newline") }
        var text: [UInt8] = []
        while true {
            let byte = try reader.byte()
            if byte == UInt8(ascii: "\n") { break }
            text.append(byte)
        }
        // An empty footer: the last transition's offset stays in force.
        var footer: Footer?
        if !text.isEmpty {
            footer = Footer(text)
            guard footer != nil else { throw .invalid("footer '\(String(decoding: text, as: UTF8.self))' is not a TZ string") }
        }
        self.init(transitions: table.transitions, offsets: table.offsets, initialOffset: table.initialOffset, footer: footer)
    }

    /// One data block: transitions, their types, the types; designations, leap seconds and the
    /// standard/UT indicators are skipped (offsets are all a scheduler needs).
    private static func block(_ reader: inout ByteReader, _ header: Header, timeSize: Int) throws(FormatError) -> ZoneRules {
        // Before reserving anything: garbage counts must not allocate gigabytes.
        guard header.blockLength(timeSize: timeSize) <= reader.remaining else { throw .truncated }
        // The `right/` zones count leap seconds in their transition times; ICU never knew them.
        guard header.leapCount == 0 else { throw .invalid("leap-second zones are not supported") }
        var transitions: [Int64] = []
        transitions.reserveCapacity(header.timeCount)
        for _ in 0..<header.timeCount {
            let time = timeSize == 8 ? try reader.int64() : Int64(try reader.int32())
            // RFC 8536 §3.2: strictly ascending, which the binary search relies on.
            guard transitions.last.map({ $0 < time }) ?? true else { throw .invalid("transition times not ascending") }
            transitions.append(time)
        }
        var typeIndices: [Int] = []
        for _ in 0..<header.timeCount { typeIndices.append(Int(try reader.byte())) }
        var typeOffsets: [Int] = []
        for _ in 0..<header.typeCount {
            let offset = try reader.int32()
            let isDaylight = try reader.byte()
            let designation = try reader.byte()
            // RFC 8536 §3.2's range (-25 h, +26 h) keeps the callers' wall-clock arithmetic sane.
            guard (-89_999...93_599).contains(offset), isDaylight <= 1, Int(designation) < header.charCount else {
                throw .invalid("bad local time type")
            }
            typeOffsets.append(Int(offset))
        }
        guard typeIndices.allSatisfy({ $0 < typeOffsets.count }) else { throw .invalid("transition to an undefined type") }
        try reader.skip(header.charCount + header.leapCount * (timeSize + 4) + header.standardCount + header.utCount)
        // RFC 8536 §3.2: local time before the first transition is type 0.
        return ZoneRules(transitions: transitions, offsets: typeIndices.map { typeOffsets[$0] }, initialOffset: typeOffsets[0], footer: nil)
    }
}

/// A TZif header (RFC 8536 §3.1): the magic, the version and the six counts of the block after it.
private struct Header {
    var version: UInt8
    var utCount: Int
    var standardCount: Int
    var leapCount: Int
    var timeCount: Int
    var typeCount: Int
    var charCount: Int

    init(_ reader: inout ByteReader) throws(ZoneRules.FormatError) {
        guard Array(try reader.take(4)) == Array("TZif".utf8) else { throw .invalid("no TZif magic") }
        let version = try reader.byte()
        // 0 for version 1, else the ASCII digit; later versions only add what this reader ignores.
        guard version == 0 || version >= UInt8(ascii: "2") else { throw .invalid("unknown version \(version)") }
        self.version = version
        try reader.skip(15)
        var counts: [Int] = []
        for _ in 0..<6 { counts.append(Int(UInt32(bitPattern: try reader.int32()))) }
        (utCount, standardCount, leapCount, timeCount, typeCount, charCount) = (counts[0], counts[1], counts[2], counts[3], counts[4], counts[5])
        guard typeCount > 0, charCount > 0, utCount == 0 || utCount == typeCount, standardCount == 0 || standardCount == typeCount else {
            throw .invalid("inconsistent header counts")
        }
    }

    func blockLength(timeSize: Int) -> Int {
        timeCount * (timeSize + 1) + typeCount * 6 + charCount + leapCount * (timeSize + 4) + standardCount + utCount
    }
}

/// Big-endian reads that throw `truncated` rather than run past the end.
private struct ByteReader {
    let bytes: [UInt8]
    var position = 0

    var remaining: Int { bytes.count - position }

    mutating func take(_ count: Int) throws(ZoneRules.FormatError) -> ArraySlice<UInt8> {
        guard count >= 0, count <= remaining else { throw .truncated }
        defer { position += count }
        return bytes[position..<position + count]
    }

    mutating func skip(_ count: Int) throws(ZoneRules.FormatError) { _ = try take(count) }

    mutating func byte() throws(ZoneRules.FormatError) -> UInt8 { try take(1).first! }

    mutating func int32() throws(ZoneRules.FormatError) -> Int32 {
        Int32(bitPattern: try take(4).reduce(0) { $0 << 8 | UInt32($1) })
    }

    mutating func int64() throws(ZoneRules.FormatError) -> Int64 {
        Int64(bitPattern: try take(8).reduce(0) { $0 << 8 | UInt64($1) })
    }
}
