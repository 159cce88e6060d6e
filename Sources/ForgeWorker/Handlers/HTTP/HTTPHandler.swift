import AsyncHTTPClient
import ForgeCore
import FoundationEssentials

/// `http`: sends a request described by the payload and maps the answer to the job's outcome.
///
/// Payload: `{"url": "https://…", "method": "POST", "headers": {"k": "v"}, "body": <any JSON>,
/// "timeout_ms": 10000}`. Only `url` is required; `method` defaults to POST; without `body` the
/// request has none (the payload itself is never sent). A string `body` is sent as is, any other
/// JSON value as JSON with `Content-Type: application/json` unless the headers say otherwise.
///
/// 2xx → success with result `{"status": code}`; 429, 5xx and network errors → retry (the other
/// side may recover); any other status → dead (the request itself is wrong).
///
/// Anyone who may enqueue jobs picks the URL, so the handler refuses to reach inside the
/// deployment: loopback, link-local (cloud metadata), private, carrier-grade NAT, multicast and
/// similar addresses are a non-retryable failure naming the rule unless the
/// ``Configuration/allowlist`` lists the host or address. Every hop is checked after DNS
/// resolution and connected to exactly the checked address; redirects are followed here, at most
/// ``Configuration/maxRedirects`` of them, each one checked again.
public struct HTTPHandler: JobHandler {
    public struct Configuration: Sendable {
        /// Hosts and blocks reachable although the default rule refuses them (`FORGE_HTTP_ALLOW`).
        public var allowlist: HTTPAllowlist
        /// Redirects followed per attempt; one more fails the job without a retry.
        public var maxRedirects: Int
        /// Response bytes read at most; the rest is dropped unread (the status decides the job,
        /// so a larger answer is no failure). 1 MiB: enough for any answer worth reading, while a
        /// hundred jobs in flight cannot hold more than 100 MiB of bodies.
        public var maxResponseBytes: Int

        public init(allowlist: HTTPAllowlist = HTTPAllowlist(), maxRedirects: Int = 5, maxResponseBytes: Int = 1 << 20) {
            precondition(maxRedirects >= 0 && maxResponseBytes > 0, "HTTPHandler needs maxRedirects >= 0, maxResponseBytes > 0")
            self.allowlist = allowlist
            self.maxRedirects = maxRedirects
            self.maxResponseBytes = maxResponseBytes
        }
    }

    private let configuration: Configuration
    private let policy: HTTPDestinationPolicy
    private let transport: HTTPTransport

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        policy = HTTPDestinationPolicy(allowlist: configuration.allowlist)
        transport = HTTPTransport(maxResponseBytes: configuration.maxResponseBytes)
    }

    public func handle(_ job: JobContext) async throws -> String? {
        let request = try HTTPJobRequest(payload: job.payload)
        // Never wait past the job's own deadline: the attempt is cancelled there anyway.
        let start = ContinuousClock.now
        let deadline = request.timeout.map { min(job.deadline, start + $0) } ?? job.deadline
        let (status, last): (Int, HTTPJobRequest)
        do {
            (status, last) = try await withDeadline(deadline) { try await exchange(request) }
        } catch is DeadlineExceeded {
            let ms = start.duration(to: deadline).milliseconds
            throw JobFailure(message: "\(request.method) \(request.described): no answer within \(ms) ms", retryable: true)
        }
        switch status {
        case 200..<300:
            return #"{"status":\#(status)}"#
        case 429, 500..<600:
            throw JobFailure(message: "HTTP \(status) from \(last.described)", retryable: true)
        case 400..<500:
            throw JobFailure(message: "HTTP \(status) from \(last.described)", retryable: false)
        default:
            throw JobFailure(message: "unexpected HTTP \(status) from \(last.described)", retryable: true)
        }
    }

    /// Sends `first` and follows its redirects; returns the final status and the request that got it.
    private func exchange(_ first: HTTPJobRequest) async throws -> (Int, HTTPJobRequest) {
        var request = first
        var previous: HTTPJobRequest?
        for _ in 0...configuration.maxRedirects {
            let answer = try await send(request, redirectedFrom: previous)
            guard let next = try request.redirected(status: answer.status, location: answer.location) else {
                return (answer.status, request)
            }
            (previous, request) = (request, next)
        }
        throw JobFailure(
            message: "http: \(first.described) redirected more than \(configuration.maxRedirects) times (a redirect loop?)",
            retryable: false
        )
    }

    /// One hop: resolve and check the host, then send to the checked addresses.
    private func send(_ request: HTTPJobRequest, redirectedFrom previous: HTTPJobRequest?) async throws -> HTTPTransport.Answer {
        // The client's own spelling of the host: the key its DNS override is looked up by.
        let host: String
        do {
            host = try HTTPClient.Request(url: request.url.absoluteString).host
        } catch {
            throw JobFailure(message: "http: \(request.described) is not a URL the client can send to", retryable: false)
        }
        let addresses: [IPAddress]
        do {
            addresses = try await policy.addresses(of: host)
        } catch var failure as JobFailure {
            if let previous { failure.message += " (redirected from \(previous.described))" }
            throw failure
        }
        do {
            return try await transport.send(request, host: host, to: addresses)
        } catch let failure as JobFailure {
            throw failure
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw JobFailure(message: "\(request.method) \(request.described): \(error)", retryable: true)
        }
    }
}
