import ForgeCore
import Foundation
import Hummingbird
import NIOCore

/// Reads a request body as one JSON object, refusing what is too large (413), not JSON or not an
/// object (400) before any handler looks at it.
enum RequestBody {
    /// The body as an object reader; the Content-Type is not checked (a body that parses is
    /// accepted whatever the client called it).
    static func object(_ request: Request, limit: Int) async throws -> ObjectReader {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw Problem.tooLarge(limit: limit)
        }
        var request = request
        let buffer = try await request.collectBody(upTo: limit)
        guard let value = JSONValue(parsing: buffer.readableBytesView) else { throw Problem.badJSON() }
        guard case .object(let fields) = value else {
            throw Problem(
                status: 400, title: "Invalid request", detail: "the body must be a JSON object, not \(value.typeName)",
                type: "urn:forge:problem:invalid-request"
            )
        }
        return ObjectReader(fields, path: "")
    }
}

/// Reads the fields of one JSON object by name, each error naming the field by its full path
/// (`jobs[3].priority`), and refuses fields nobody read (``finish()``), so a typo such as
/// `colour` is an error instead of being silently ignored.
struct ObjectReader {
    private let fields: [String: JSONValue]
    let path: String
    private var read: Set<String> = []

    init(_ fields: [String: JSONValue], path: String) {
        self.fields = fields
        self.path = path
    }

    /// The full name of `key` in the request.
    func field(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func invalid(_ key: String, _ reason: String) -> ValidationError {
        ValidationError(field: field(key), reason: reason)
    }

    /// The raw value; `nil` when absent. An explicit `null` is returned as `.null`.
    mutating func value(_ key: String) -> JSONValue? {
        read.insert(key)
        return fields[key]
    }

    /// A present, non-null value.
    private mutating func present(_ key: String) -> JSONValue? {
        guard let value = value(key), value != .null else { return nil }
        return value
    }

    mutating func string(_ key: String) throws(ValidationError) -> String? {
        guard let value = present(key) else { return nil }
        guard case .string(let string) = value else { throw invalid(key, "must be a string") }
        return string
    }

    mutating func requiredString(_ key: String) throws(ValidationError) -> String {
        guard let string = try string(key) else { throw invalid(key, "is required") }
        return string
    }

    mutating func int64(_ key: String) throws(ValidationError) -> Int64? {
        guard let value = present(key) else { return nil }
        switch value {
        case .int(let number): return number
        case .double(let number) where number.rounded() == number && abs(number) < 9e15: return Int64(number)
        default: throw invalid(key, "must be an integer")
        }
    }

    mutating func int(_ key: String) throws(ValidationError) -> Int? {
        guard let number = try int64(key) else { return nil }
        guard let small = Int(exactly: number), abs(small) <= Int(Int32.max) else {
            throw invalid(key, "is out of range")
        }
        return small
    }

    mutating func bool(_ key: String) throws(ValidationError) -> Bool? {
        guard let value = present(key) else { return nil }
        guard case .bool(let flag) = value else { throw invalid(key, "must be true or false") }
        return flag
    }

    mutating func object(_ key: String) throws(ValidationError) -> ObjectReader? {
        guard let value = present(key) else { return nil }
        guard case .object(let nested) = value else { throw invalid(key, "must be an object") }
        return ObjectReader(nested, path: field(key))
    }

    mutating func array(_ key: String) throws(ValidationError) -> [JSONValue]? {
        guard let value = present(key) else { return nil }
        guard case .array(let items) = value else { throw invalid(key, "must be an array") }
        return items
    }

    /// Throws for the first field (in name order, so the error is stable) that was never read.
    func finish() throws(ValidationError) {
        if let unknown = fields.keys.filter({ !read.contains($0) }).sorted().first {
            throw invalid(unknown, "is not a known field")
        }
    }
}
