import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOPosix

/// Sends the one prepared enqueue request over a shared pool of HTTP/1.1 connections and says
/// what came of it. The body is rendered once; every call sends the same bytes.
///
/// It uses async-http-client's delegate API rather than its async one: the answer is read and
/// recorded on the connection's event loop, so a request costs no hop to the concurrency pool
/// and back (measured: about half the generator's CPU per request), and the generator leaves
/// more of the shared cores to the system it measures.
public struct EnqueueClient: Sendable {
    private let http: HTTPClient
    private let request: HTTPClient.Request
    private let jobsPerRequest: Int
    private let timeout: TimeAmount

    public init(http: HTTPClient, settings: LoadSettings) throws(LoadError) {
        self.http = http
        let single = settings.batch == 1
        var headers = HTTPHeaders([("Content-Type", "application/json")])
        if let token = settings.token { headers.add(name: "Authorization", value: "Bearer \(token)") }
        let body = single ? settings.job.jobJSON() : settings.job.batchJSON(count: settings.batch)
        do {
            request = try HTTPClient.Request(
                url: settings.baseURL + (single ? "/v1/jobs" : "/v1/jobs/batch"),
                method: .POST,
                headers: headers,
                body: .byteBuffer(ByteBuffer(bytes: body))
            )
        } catch {
            throw .invalid("--url", "'\(settings.url)' does not make a request URL: \(error)")
        }
        jobsPerRequest = settings.batch
        timeout = .nanoseconds(Int64(settings.requestTimeout.seconds * 1e9))
    }

    /// Sends one request; `completion` runs on an event loop with what came of it (never an error).
    public func send(_ completion: @escaping @Sendable (RequestOutcome) -> Void) {
        let delegate = OutcomeDelegate(jobs: jobsPerRequest)
        http.execute(request: request, delegate: delegate, deadline: .now() + timeout).futureResult.whenComplete { result in
            switch result {
            case .success(let outcome): completion(outcome)
            case .failure(let error): completion(.failed(Self.kind(of: error)))
            }
        }
    }

    /// Sends one request and waits for what came of it.
    public func send() async -> RequestOutcome {
        await withCheckedContinuation { continuation in send { continuation.resume(returning: $0) } }
    }

    /// Batch items the gateway turned down: each is `{"error": problem}` in the results. A byte
    /// search rather than a JSON parse keeps the generator's CPU for sending.
    package static func refusedItems(in body: ByteBuffer) -> Int {
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
