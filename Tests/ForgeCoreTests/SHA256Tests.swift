import ForgeCore
import Foundation
import Testing

/// Forge's SHA-256 against the FIPS 180-4 examples and `sha256sum`, in one piece and fed in
/// pieces that cross the 64-byte blocks at every offset.
@Suite struct SHA256Tests {
    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
        (
            "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
        ),
    ])
    func nistExamples(message: String, digest: String) {
        #expect(Self.hex(SHA256.hash(data: Array(message.utf8))) == digest)
    }

    @Test func aMillionAs() {
        let message = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(Self.hex(SHA256.hash(data: message)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func piecesGiveTheSameDigestAsTheWhole() {
        let message = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        let whole = SHA256.hash(data: message)
        for split in [1, 3, 55, 56, 63, 64, 65, 127, 128, 200] {
            var hasher = SHA256()
            var rest = message[...]
            var contiguous = true
            while !rest.isEmpty {
                // Contiguous pieces are hashed in place, others copied first: both in one message.
                if contiguous { hasher.update(data: rest.prefix(split)) } else { hasher.update(data: rest.prefix(split).lazy.map { $0 }) }
                contiguous.toggle()
                rest = rest.dropFirst(split)
            }
            #expect(hasher.finalize() == whole, "pieces of \(split)")
        }
        // Every length around the padding's boundaries, against sha256sum.
        for count in [55, 56, 57, 63, 64, 65, 119, 120] {
            let bytes = Array(message.prefix(count))
            #expect(Self.hex(SHA256.hash(data: bytes)) == Self.sha256sum(bytes), "\(count) bytes")
        }
    }

    static func sha256sum(_ bytes: [UInt8]) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try? process.run()
        input.fileHandleForWriting.write(Data(bytes))
        try? input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return String(text.prefix(64))
    }
}
