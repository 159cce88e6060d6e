import ForgeCore
import ForgeRedis
import Foundation
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
    /// Extra response headers (`WWW-Authenticate`, `Retry-After`); not part of the body.
    var headers: [(String, String)] = []

    public init(status: Int, title: String, detail: String, field: String? = nil, type: String = "about:blank") {
        self.type = type
        self.title = title
        self.status = status
        self.detail = detail
        self.field = field
    }

    enum CodingKeys: String, CodingKey { case type, title, status, detail, field }

    public static func == (lhs: Problem, rhs: Problem) -> Bool {
        lhs.type == rhs.type && lhs.status == rhs.status && lhs.detail == rhs.detail && lhs.field == rhs.field
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(type)
        hasher.combine(status)
        hasher.combine(detail)
        hasher.combine(field)
    }

    /// A refused field: 400 naming it.
    public static func invalid(_ error: ValidationError) -> Problem {
        Problem(
            status: 400, title: "Invalid request", detail: "\(error.field) \(error.reason)", field: error.field,
            type: "urn:forge:problem:invalid-request"
        )
    }

    public static func notFound(_ detail: String) -> Problem {
        Problem(status: 404, title: "Not found", detail: detail, type: "urn:forge:problem:not-found")
    }

    public static func conflict(_ detail: String) -> Problem {
        Problem(status: 409, title: "Conflict", detail: detail, type: "urn:forge:problem:conflict")
    }

    public static func badJSON() -> Problem {
        Problem(
            status: 400, title: "Invalid request", detail: "body is not valid JSON",
            type: "urn:forge:problem:invalid-json"
        )
    }

    /// The body is not JSON; says where and why, so a client can find the mistake.
    static func badJSON(at offset: Int, _ reason: String) -> Problem {
        Problem(
            status: 400, title: "Invalid request", detail: "body is not valid JSON: \(reason) at byte \(offset)",
            type: "urn:forge:problem:invalid-json"
        )
    }

    public static func tooLarge(limit: Int) -> Problem {
        Problem(
            status: 413, title: "Request body too large", detail: "the body is larger than \(limit) bytes",
            type: "urn:forge:problem:body-too-large"
        )
    }

    static func unauthorized(_ detail: String) -> Problem {
        var problem = Problem(
            status: 401, title: "Unauthorized", detail: detail, type: "urn:forge:problem:unauthorized"
        )
        problem.headers = [("WWW-Authenticate", "Bearer")]
        return problem
    }

    static func unavailable(_ dependency: String) -> Problem {
        var problem = Problem(
            status: 503, title: "Service unavailable", detail: "\(dependency) is unreachable; retry shortly",
            type: "urn:forge:problem:unavailable"
        )
        problem.headers = [("Retry-After", "1")]
        return problem
    }

    /// The queue refuses enqueues until its history is archived (Postgres down or slow).
    static func backpressure(_ error: QueueError) -> Problem {
        var problem = Problem(
            status: 503, title: "Service unavailable", detail: error.description,
            type: "urn:forge:problem:backpressure"
        )
        problem.headers = [("Retry-After", "5")]
        return problem
    }

    static func internalError() -> Problem {
        Problem(
            status: 500, title: "Internal server error", detail: "the request failed; the gateway log has details",
            type: "urn:forge:problem:internal"
        )
    }

    /// The problem as a JSON object (inside a batch result).
    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("detail")
        writer.string(detail)
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
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = (try? encoder.encode(self)) ?? Data()
        var fields = HTTPFields()
        fields[.contentType] = "application/problem+json"
        for (name, value) in headers {
            if let name = HTTPField.Name(name) { fields[name] = value }
        }
        return Response(
            status: HTTPResponse.Status(code: status), headers: fields,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body))
        )
    }
}
