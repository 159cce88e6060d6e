import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOPosix

/// Sends the one prepared enqueue request over a shared pool of HTTP/1.1 connections and says
/// what came of it. The body is rendered once; every call sends the same bytes.
public struct EnqueueClient: Sendable {
    private let http: HTTPClient
    private let request: HTTPClientRequest
    private let jobsPerRequest: Int
    private let timeout: TimeAmount

    public init(http: HTTPClient, settings: LoadSettings) {
        self.http = http
        let single = settings.batch == 1
        var request = HTTPClientRequest(url: settings.baseURL + (single ? "/v1/jobs" : "/v1/jobs/batch"))
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let token = settings.token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let body = single ? settings.job.jobJSON() : settings.job.batchJSON(count: settings.batch)
        request.body = .bytes(ByteBuffer(bytes: body))
        self.request = request
        jobsPerRequest = settings.batch
        timeout = .nanoseconds(Int64(settings.requestTimeout.seconds * 1e9))
    }

    /// Sends one request; never throws, every failure is an ``ErrorKind``.
    public func send() async -> RequestOutcome {
        do {
            let response = try await http.execute(request, timeout: timeout)
            let body = try await response.body.collect(upTo: 64 << 20)
            guard (200..<300).contains(response.status.code) else { return .failed(.status(Int(response.status.code))) }
            let refused = jobsPerRequest > 1 ? Self.refusedItems(in: body) : 0
            return .accepted(jobs: jobsPerRequest - refused, refused: refused)
        } catch {
            return .failed(Self.kind(of: error))
        }
    }

    /// Batch items the gateway turned down: each is `{"error": problem}` in the results. A byte
    /// search rather than a JSON parse keeps the generator's CPU for sending.
    static func refusedItems(in body: ByteBuffer) -> Int {
        let needle = Array("\"error\":".utf8)
        let bytes = body.readableBytesView
        guard bytes.count >= needle.count else { return 0 }
        var count = 0
        var index = bytes.startIndex
        let last = bytes.endIndex - needle.count
        while index <= last {
            if bytes[index] == needle[0], bytes[index..<index + needle.count].elementsEqual(needle) {
                count += 1
                index += needle.count
            } else {
                index += 1
            }
        }
        return count
    }

    static func kind(of error: any Error) -> ErrorKind {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout, .readTimeout, .writeTimeout, .deadlineExceeded, .getConnectionFromPoolTimeout:
                return .timeout
            case .remoteConnectionClosed:
                return .connection
            default:
                return .other(String(describing: error).prefix(80).description)
            }
        }
        if error is NIOConnectionError || error is ChannelError || error is IOError { return .connection }
        return .other(String(describing: error).prefix(80).description)
    }
}
