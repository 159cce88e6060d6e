import ForgeLoad
import Testing

/// forge-load's own HTTP/1.1 response reading (``ResponseReader``): what the gateway sends, cut
/// anywhere, and the framings it could.
struct ResponseReaderTests {
    static let created = "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 28\r\n\r\n{\"id\":\"a\",\"state\":\"pending\"}"

    func feed(_ reader: inout ResponseReader, _ text: String) throws -> [ResponseReader.Response] {
        try Array(text.utf8).withUnsafeBytes { try reader.feed($0) }
    }

    @Test func readsResponsesByContentLengthHoweverTheBytesAreCut() throws {
        let stream = Self.created + Self.created + "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n"
        for cut in [1, 2, 7, 30, 77, 200] {
            var reader = ResponseReader(keepsBody: true)
            var got: [ResponseReader.Response] = []
            var rest = Substring(stream)
            while !rest.isEmpty {
                got += try feed(&reader, String(rest.prefix(cut)))
                rest = rest.dropFirst(cut)
            }
            #expect(got.map(\.status) == [201, 201, 503], "cut \(cut)")
            #expect(got[0].body == Array(#"{"id":"a","state":"pending"}"#.utf8))
            #expect(got.allSatisfy { !$0.closes })
            #expect(reader.isBetweenResponses)
        }
    }

    @Test func readsChunkedBodiesWithExtensionsAndTrailers() throws {
        var reader = ResponseReader(keepsBody: true)
        let text = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n"
        let got = try feed(&reader, text)
        #expect(got == [ResponseReader.Response(status: 200, body: Array("hello world".utf8), closes: false)])
    }

    @Test func skipsBodiesItIsNotAskedToKeep() throws {
        var reader = ResponseReader(keepsBody: false)
        #expect(try feed(&reader, Self.created).first?.body == [])
    }

    @Test func knowsWhenTheServerCloses() throws {
        var reader = ResponseReader(keepsBody: false)
        #expect(try feed(&reader, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").first?.closes == true)
        #expect(try feed(&reader, "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").first?.closes == true)
        // Neither a length nor chunks: the body runs to the close, so nothing can follow it.
        #expect(try feed(&reader, "HTTP/1.1 500 Oops\r\n\r\n").first?.closes == true)
        #expect(try feed(&reader, "HTTP/1.1 204 No Content\r\n\r\n").first == ResponseReader.Response(status: 204, body: [], closes: false))
    }

    @Test func refusesWhatIsNotHTTP() throws {
        for bad in [
            "SSH-2.0-OpenSSH\r\n\r\n", "HTTP/1.1 2x1 Hm\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n",
            "HTTP/1.1 200 OK\r\nBroken\r\n\r\n",
        ] {
            var reader = ResponseReader(keepsBody: false)
            #expect(throws: ResponseReader.Malformed.self, "\(bad)") { try feed(&reader, bad) }
        }
        var reader = ResponseReader(keepsBody: false)
        #expect(throws: ResponseReader.Malformed.self) { try feed(&reader, String(repeating: "x", count: 70_000)) }
    }
}
