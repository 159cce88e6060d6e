/// Reads HTTP/1.1 responses off one connection's byte stream, as they complete: status, body
/// (only when asked for: a batch's answer, to count refused items) and whether the server will
/// close the connection. Bodies framed by `Content-Length` or chunked; a response with neither
/// ends the connection (there is no way to tell where a next one would start).
///
/// Only what ``SocketDriver`` needs from the gateway's answers; it is not a general HTTP parser.
package struct ResponseReader {
    package struct Response: Equatable {
        package var status: Int
        package var body: [UInt8]
        /// The server closes the connection after this response.
        package var closes: Bool

        package init(status: Int, body: [UInt8], closes: Bool) {
            self.status = status
            self.body = body
            self.closes = closes
        }
    }

    package struct Malformed: Error, Equatable {
        package var reason: String
    }

    private enum Phase {
        case head
        case body(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkEnd
        case trailers
    }

    /// Keep response bodies (a batch's results); single answers are read past.
    package let keepsBody: Bool
    /// The largest head accepted; a longer one is malformed rather than buffered for ever.
    static let maxHeadBytes = 64 << 10

    private var buffer: [UInt8] = []
    private var start = 0
    private var phase = Phase.head
    private var current = Response(status: 0, body: [], closes: false)

    package init(keepsBody: Bool) {
        self.keepsBody = keepsBody
    }

    /// Nothing of a response has arrived since the last complete one.
    package var isBetweenResponses: Bool {
        if case .head = phase { return start == buffer.count }
        return false
    }

    /// Adds `bytes` and returns the responses they complete, in order.
    package mutating func feed(_ bytes: UnsafeRawBufferPointer) throws(Malformed) -> [Response] {
        buffer.append(contentsOf: bytes)
        var done: [Response] = []
        while let response = try next() { done.append(response) }
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        } else if start > 4096, start * 2 > buffer.count {
            buffer.removeFirst(start)
            start = 0
        }
        return done
    }

    /// The next complete response, or `nil` when more bytes are needed.
    private mutating func next() throws(Malformed) -> Response? {
        while true {
            switch phase {
            case .head:
                guard let end = find(Self.headEnd, from: start) else {
                    if buffer.count - start > Self.maxHeadBytes { throw Malformed(reason: "response head over 64 KiB") }
                    return nil
                }
                let head = buffer[start..<end]
                start = end + Self.headEnd.count
                let framing = try parseHead(head)
                switch framing {
                case .length(0): return finish()
                case .length(let n): phase = .body(remaining: n)
                case .chunked: phase = .chunkSize
                case .untilClose:
                    current.closes = true
                    return finish()
                }
            case .body(let remaining):
                let n = min(remaining, buffer.count - start)
                take(n)
                if n == remaining { return finish() }
                phase = .body(remaining: remaining - n)
                return nil
            case .chunkSize:
                guard let end = find(Self.lineEnd, from: start) else { return nil }
                let size = try chunkSize(buffer[start..<end])
                start = end + 2
                phase = size == 0 ? .trailers : .chunkData(remaining: size)
            case .chunkData(let remaining):
                let n = min(remaining, buffer.count - start)
                take(n)
                if n < remaining {
                    phase = .chunkData(remaining: remaining - n)
                    return nil
                }
                phase = .chunkEnd
            case .chunkEnd:
                guard buffer.count - start >= 2 else { return nil }
                guard buffer[start] == 13, buffer[start + 1] == 10 else { throw Malformed(reason: "chunk not followed by CRLF") }
                start += 2
                phase = .chunkSize
            case .trailers:
                // Trailer lines, if any, up to an empty line.
                guard let end = find(Self.lineEnd, from: start) else { return nil }
                let empty = end == start
                start = end + 2
                if empty { return finish() }
            }
        }
    }

    private enum Framing: Equatable {
        case length(Int)
        case chunked
        case untilClose
    }

    private mutating func parseHead(_ head: ArraySlice<UInt8>) throws(Malformed) -> Framing {
        var lines = Lines(head)
        guard let statusLine = lines.next() else { throw Malformed(reason: "empty response head") }
        // "HTTP/1.1 201 Created": the version, a space, three digits.
        let base = statusLine.startIndex
        guard statusLine.count >= 12, statusLine.starts(with: Self.versionPrefix), statusLine[base + 8] == 32,
            let status = Self.number(statusLine[(base + 9)..<(base + 12)], radix: 10), (100...999).contains(status)
        else { throw Malformed(reason: "bad status line") }
        let http10 = statusLine[base + 7] == UInt8(ascii: "0")
        current = Response(status: status, body: [], closes: http10)
        var length: Int?
        var chunked = false
        while let line = lines.next() {
            guard !line.isEmpty else { continue }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { throw Malformed(reason: "header line without a colon") }
            let name = line[line.startIndex..<colon]
            let value = Self.trimmed(line[(colon + 1)...])
            if Self.equalsIgnoringCase(name, "content-length") {
                guard let n = Self.number(value, radix: 10) else { throw Malformed(reason: "bad Content-Length") }
                length = n
            } else if Self.equalsIgnoringCase(name, "transfer-encoding") {
                chunked = Self.equalsIgnoringCase(value, "chunked")
            } else if Self.equalsIgnoringCase(name, "connection") {
                if Self.equalsIgnoringCase(value, "close") { current.closes = true }
                if Self.equalsIgnoringCase(value, "keep-alive") { current.closes = false }
            }
        }
        // No body, whatever the headers say: 1xx, 204 and 304.
        if status < 200 || status == 204 || status == 304 { return .length(0) }
        if chunked { return .chunked }
        if let length { return .length(length) }
        return .untilClose
    }

    private static let versionPrefix = Array("HTTP/1.".utf8)

    /// The lines of a head, without their CR LF (or bare LF), as slices of it.
    private struct Lines {
        var rest: ArraySlice<UInt8>
        init(_ head: ArraySlice<UInt8>) { rest = head }

        mutating func next() -> ArraySlice<UInt8>? {
            guard !rest.isEmpty else { return nil }
            let end = rest.firstIndex(of: 10) ?? rest.endIndex
            var line = rest[rest.startIndex..<end]
            rest = end == rest.endIndex ? rest[end...] : rest[(end + 1)...]
            if line.last == 13 { line = line.dropLast() }
            return line
        }
    }

    private mutating func take(_ n: Int) {
        if keepsBody { current.body.append(contentsOf: buffer[start..<start + n]) }
        start += n
    }

    private mutating func finish() -> Response {
        phase = .head
        defer { current = Response(status: 0, body: [], closes: false) }
        return current
    }

    private func chunkSize(_ line: ArraySlice<UInt8>) throws(Malformed) -> Int {
        // Chunk extensions (";name=value") are allowed and ignored.
        let digits = line.prefix { $0 != UInt8(ascii: ";") }
        guard let size = Self.number(Self.trimmed(digits), radix: 16) else { throw Malformed(reason: "bad chunk size") }
        return size
    }

    private static let headEnd: [UInt8] = [13, 10, 13, 10]
    private static let lineEnd: [UInt8] = [13, 10]

    private func find(_ needle: [UInt8], from: Int) -> Int? {
        guard buffer.count - from >= needle.count else { return nil }
        var i = from
        let last = buffer.count - needle.count
        while i <= last {
            if buffer[i] == needle[0] {
                var match = true
                for k in 1..<needle.count where buffer[i + k] != needle[k] {
                    match = false
                    break
                }
                if match { return i }
            }
            i += 1
        }
        return nil
    }

    private static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var slice = bytes
        while let first = slice.first, first == 32 || first == 9 { slice.removeFirst() }
        while let last = slice.last, last == 32 || last == 9 { slice.removeLast() }
        return slice
    }

    /// `text` is lower-case ASCII.
    private static func equalsIgnoringCase(_ bytes: ArraySlice<UInt8>, _ text: StaticString) -> Bool {
        guard bytes.count == text.utf8CodeUnitCount else { return false }
        let lower = text.utf8Start
        var i = 0
        for byte in bytes {
            guard byte | 0x20 == lower[i] | 0x20 else { return false }
            i += 1
        }
        return true
    }

    /// A non-negative number of at most 15 digits, or `nil`.
    private static func number(_ bytes: ArraySlice<UInt8>, radix: Int) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 15 else { return nil }
        var value = 0
        for byte in bytes {
            let digit: Int
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = Int(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f") where radix == 16: digit = Int(byte - UInt8(ascii: "a")) + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F") where radix == 16: digit = Int(byte - UInt8(ascii: "A")) + 10
            default: return nil
            }
            value = value * radix + digit
        }
        return value
    }
}
