import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `http`: sends a request described by the payload and maps the answer to the job's outcome.
///
/// Payload: `{"url": "https://…", "method": "POST", "headers": {"k": "v"}, "body": <any JSON>,
/// "timeout_ms": 10000}`. Only `url` is required; `method` defaults to POST; without `body` the
/// request has none (the payload itself is never sent). A string `body` is sent as is, any other
/// JSON value as JSON with `Content-Type: application/json` unless the headers say otherwise.
///
/// 2xx → success with result `{"status": code}`; 429, 5xx and network errors → retry (the other
/// side may recover); any other status → dead (the request itself is wrong).
public struct HTTPHandler: JobHandler {
    private let session: URLSession

    public init(session: URLSession = .shared) {
        self.session = session
    }

    public func handle(_ job: JobContext) async throws -> String? {
        let request = try Self.request(from: job)
        let response: URLResponse
        do {
            (_, response) = try await session.data(for: request)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            try Task.checkCancellation()
            throw JobFailure(message: "\(request.httpMethod ?? "POST") \(Self.describe(request)): \(error.localizedDescription)", retryable: true)
        }
        guard let http = response as? HTTPURLResponse else {
            throw JobFailure(message: "\(Self.describe(request)): not an HTTP response", retryable: true)
        }
        let status = http.statusCode
        switch status {
        case 200..<300:
            return #"{"status":\#(status)}"#
        case 429, 500..<600:
            throw JobFailure(message: "HTTP \(status) from \(Self.describe(request))", retryable: true)
        case 400..<500:
            throw JobFailure(message: "HTTP \(status) from \(Self.describe(request))", retryable: false)
        default:
            throw JobFailure(message: "unexpected HTTP \(status) from \(Self.describe(request))", retryable: true)
        }
    }

    /// Builds the request; a payload that cannot describe one is a non-retryable failure.
    static func request(from job: JobContext) throws -> URLRequest {
        func bad(_ why: String) -> JobFailure { JobFailure(message: "http payload: \(why)", retryable: false) }
        let object = try? JSONSerialization.jsonObject(with: Data(job.payload.utf8), options: [.fragmentsAllowed])
        guard let fields = object as? [String: Any] else { throw bad("must be a JSON object") }
        guard let text = fields["url"] as? String, let url = URL(string: text),
            let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil
        else { throw bad("url must be an http(s) URL") }
        var request = URLRequest(url: url)
        if let method = fields["method"] {
            guard let method = method as? String, !method.isEmpty, method.allSatisfy({ $0.isLetter }) else {
                throw bad("method must be an HTTP method such as POST")
            }
            request.httpMethod = method.uppercased()
        } else {
            request.httpMethod = "POST"
        }
        if let headers = fields["headers"] {
            guard let headers = headers as? [String: Any] else { throw bad("headers must be an object of strings") }
            for (name, value) in headers {
                guard let value = value as? String else { throw bad("header \(name) must be a string") }
                request.setValue(value, forHTTPHeaderField: name)
            }
        }
        if let body = fields["body"], !(body is NSNull) {
            if let string = body as? String {
                request.httpBody = Data(string.utf8)
            } else {
                request.httpBody = try JSONSerialization.data(withJSONObject: body, options: [.fragmentsAllowed])
                if request.value(forHTTPHeaderField: "Content-Type") == nil {
                    request.setValue("application/json", forHTTPHeaderField: "Content-Type")
                }
            }
        }
        // Never wait past the job's own deadline: the attempt is cancelled there anyway.
        let remaining = ContinuousClock.now.duration(to: job.deadline)
        var timeout = Double(remaining.components.seconds) + Double(remaining.components.attoseconds) / 1e18
        if let value = fields["timeout_ms"] {
            guard let ms = (value as? NSNumber)?.doubleValue, ms > 0 else { throw bad("timeout_ms must be a positive number") }
            timeout = min(timeout, ms / 1000)
        }
        request.timeoutInterval = max(0.001, timeout)
        return request
    }

    /// The URL without query or credentials, for error messages that end up in job history.
    private static func describe(_ request: URLRequest) -> String {
        guard let url = request.url, var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else {
            return "request"
        }
        components.query = nil
        components.user = nil
        components.password = nil
        return components.string ?? "request"
    }
}
