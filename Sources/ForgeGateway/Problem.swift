import ForgeCore
import ForgeRedis
import HTTPTypes
import Hummingbird
import NIOCore

/// An RFC 9457 problem document, the body of every error the gateway returns.
///
/// Handlers throw a `Problem` for refusals of their own (not found, conflict); everything else
/// (``ValidationError``, Redis and Postgres failures, Hummingbird's errors) is turned into one by
/// ``ProblemMiddleware``, so the mapping lives in one place.
public struct Problem: Error, Sendable, Hashable, Encodable {
    /// A URI naming the kind of problem; `about:blank` plus the status is enough for most.
    public var type: String
    public var title: String
    public var status: Int
    public var detail: String
    /// The request field at fault, spelled as the caller spelled it (`jobs[3].priority`).
    public var field: String?
    /// A batch refused as a whole: every invalid item (the first ``maxListedErrors``).
    public var errors: [FieldProblem]?
    /// Extra response headers (`WWW-Authenticate`, `Retry-After`); not part of the body.
    var headers: [(String, String)] = []

    public init(status: Int, title: String, detail: String, field: String? = nil, type: String = "about:blank") {
        self.type = type
        self.title = title
        self.status = status
        self.detail = detail
        self.field = field
    }

    /// One refused field of a batch: `{field, detail}`.
    public struct FieldProblem: Sendable, Hashable, Encodable {
        public var field: String
        public var detail: String
    }

    static let maxListedErrors = 100

    enum CodingKeys: String, CodingKey { case type, title, status, detail, field, errors }

    public static func == (lhs: Problem, rhs: Problem) -> Bool {
        lhs.type == rhs.type && lhs.status == rhs.status && lhs.detail == rhs.detail && lhs.field == rhs.field
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(type)
        hasher.combine(status)
        hasher.combine(detail)
        hasher.combine(field)
    }

    /// The problem as a JSON object (inside a batch result).
    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("detail")
        writer.string(detail)
        if let errors {
            writer.key("errors")
            writer.beginArray()
            for error in errors {
                writer.beginObject()
                writer.key("detail")
                writer.string(error.detail)
                writer.key("field")
                writer.string(error.field)
                writer.endObject()
            }
            writer.endArray()
        }
        if let field {
            writer.key("field")
            writer.string(field)
        }
        writer.key("status")
        writer.int(status)
        writer.key("title")
        writer.string(title)
        writer.key("type")
        writer.string(type)
        writer.endObject()
    }

    /// The `application/problem+json` response.
    var response: Response {
        var writer = JSONWriter(capacity: 256)
        write(to: &writer)
        let body = writer.bytes
        var fields = HTTPFields()
        fields[.contentType] = "application/problem+json"
        for (name, value) in headers {
            if let name = HTTPField.Name(name) { fields[name] = value }
        }
        return Response(
            status: HTTPResponse.Status(code: status),
            headers: fields,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body))
        )
    }
}
