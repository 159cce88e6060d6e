import ForgeCore
import Hummingbird
import NIOCore

/// Reads a request body as one JSON object, refusing what is too large (413), not JSON or not an
/// object (400) before any handler looks at it. The body is parsed once (``JSONTape``); fields are
/// read from it by name, and payloads keep their exact text.
enum RequestBody {
    /// The body as an object reader; the Content-Type is not checked (a body that parses is
    /// accepted whatever the client called it).
    static func object(_ request: Request, limit: Int) async throws -> ObjectReader {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw Problem.tooLarge(limit: limit)
        }
        var request = request
        let buffer = try await request.collectBody(upTo: limit)
        let tape: JSONTape
        do {
            tape = try JSONTape(Array(buffer.readableBytesView))
        } catch {
            throw Problem.badJSON(at: error.offset, error.reason)
        }
        guard tape.nodes[0].kind == .object else {
            throw Problem(
                status: 400,
                title: "Invalid request",
                detail: "the body must be a JSON object, not \(typeName(tape.nodes[0].kind))",
                type: "urn:forge:problem:invalid-request"
            )
        }
        return try ObjectReader(tape: tape, index: 0, path: "")
    }

    /// The JSON type name, for "must be …" messages.
    static func typeName(_ kind: JSONTape.Kind) -> String {
        switch kind {
        case .null: "null"
        case .true, .false: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
