import ForgeCore
import ForgeGateway
import Testing

/// Which fields of a body were read, kept by position (a 64-bit mask, a set past it).
@Suite struct ObjectReaderTests {
    static func reader(_ members: [String]) throws -> ObjectReader {
        let body = "{" + members.map { "\"\($0)\": 1" }.joined(separator: ",") + "}"
        return try ObjectReader(tape: try JSONTape(Array(body.utf8)), index: 0, path: "")
    }

    @Test func theFirstUnreadFieldByNameIsRefusedWhereverItSits() throws {
        // 70 members: the mask covers the first 64, a set the rest.
        let names = (0..<70).map { "f\(1_000 + $0)" }
        for unread in [names[0], names[63], names[64], names[69]] {
            var reader = try Self.reader(names)
            for name in names where name != unread { _ = try reader.int(name) }
            #expect(throws: ValidationError(field: unread, reason: "is not a known field")) { try reader.finish() }
        }
        var reader = try Self.reader(names)
        for name in names.reversed() { _ = try reader.int(name) }
        try reader.finish()
    }

    @Test func aFieldAskedForButAbsentDoesNotCountAsRead() throws {
        var reader = try Self.reader(["b", "a"])
        #expect(try reader.int("missing") == nil)
        _ = try reader.int("b")
        #expect(throws: ValidationError(field: "a", reason: "is not a known field")) { try reader.finish() }
    }

    @Test func aNameGivenTwiceIsRefused() throws {
        #expect(throws: ValidationError(field: "a", reason: "is given more than once")) { _ = try Self.reader(["a", "b", "a"]) }
    }
}
