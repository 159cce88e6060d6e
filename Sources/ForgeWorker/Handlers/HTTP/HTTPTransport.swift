import AsyncHTTPClient
import FoundationEssentials
import NIOCore
import NIOHTTP1
import Synchronization

/// Sends one request of an `http` job, without following redirects, to addresses the
/// ``HTTPDestinationPolicy`` has checked, and reads at most `maxResponseBytes` of the answer.
///
/// The HTTP client never resolves the name itself: its `dnsOverride` maps the host to the checked
/// address, so it connects there while TLS still sends the host name (SNI) and verifies the
/// certificate for it, and the `Host` header still names it. That override is a client setting,
/// so every request gets a client of its own on the shared event loops, shut down before the
/// request returns (`withHTTPClient`). It costs a new connection per request; a pool kept per
/// (host, address) could reuse them, but then its clients would outlive jobs and need a service to
/// shut them down, and the time a job spends in `http` is dominated by the other side anyway.
package struct HTTPTransport: Sendable {
    package var maxResponseBytes: Int

    package struct Answer: Sendable {
        package var status: Int
        package var location: String?
    }

    package init(maxResponseBytes: Int) {
        self.maxResponseBytes = maxResponseBytes
    }

    /// `host` is the URL's host as the client spells it (its dnsOverride key). Tries `addresses`
    /// in order, moving on only while no connection was made, so nothing was sent yet.
    package func send(_ request: HTTPJobRequest, host: String, to addresses: [IPAddress]) async throws -> Answer {
        for address in addresses.dropLast() {
            let connection = ConnectionCheck(expected: address)
            do {
                return try await send(request, host: host, to: connection)
            } catch  where !connection.wasMade && !Task.isCancelled {
                continue
            }
        }
        return try await send(request, host: host, to: ConnectionCheck(expected: addresses[addresses.count - 1]))
    }

    private func send(_ request: HTTPJobRequest, host: String, to connection: ConnectionCheck) async throws -> Answer {
        var pool = HTTPClient.Configuration.ConnectionPool()
        // A failed connection fails the attempt now; the job's own backoff decides when to retry.
        pool.retryConnectionEstablishment = false
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, connectionPool: pool)
        configuration.dnsOverride = [host: connection.expected.description]
        configuration.http1_1ConnectionDebugInitializer = { connection.verify($0) }
        configuration.http2ConnectionDebugInitializer = { connection.verify($0) }
        return try await HTTPClient.withHTTPClient(configuration: configuration) { client in
            let response = try await client.execute(Self.clientRequest(request), deadline: .distantFuture)
            // The status decides the job; the body is read (so the server sees the answer taken)
            // up to the bound and then dropped, which closes the connection on a longer one.
            var received = 0
            for try await part in response.body {
                received += part.readableBytes
                if received >= maxResponseBytes { break }
            }
            return Answer(status: Int(response.status.code), location: response.headers.first(name: "Location"))
        }
    }

    private static func clientRequest(_ request: HTTPJobRequest) -> HTTPClientRequest {
        var client = HTTPClientRequest(url: request.url.absoluteString)
        client.method = HTTPMethod(rawValue: request.method)
        for (name, value) in request.headers { client.headers.add(name: name, value: value) }
        if let body = request.body { client.body = .bytes(ByteBuffer(bytes: body)) }
        return client
    }
}

/// Sees the connection the client makes for one request once it is up (TLS included) and before
/// any of the request is written.
///
/// It refuses a peer other than the checked address: the DNS override makes that impossible
/// today, and this keeps a change in the client from quietly turning into requests inside the
/// deployment. It also records that a connection was made, after which a failure may have
/// reached the server, so the transport does not repeat the request at another address.
final class ConnectionCheck: Sendable {
    let expected: IPAddress
    private let made = Atomic<Bool>(false)

    init(expected: IPAddress) {
        self.expected = expected
    }

    var wasMade: Bool { made.load(ordering: .relaxed) }

    func verify(_ channel: any Channel) -> EventLoopFuture<Void> {
        let peer = channel.remoteAddress?.ipAddress.flatMap(IPAddress.init)
        guard peer == expected else {
            let failure = JobFailure(
                message: "http: connected to \(peer?.description ?? "an unknown peer") instead of the checked \(expected)",
                retryable: false
            )
            return channel.eventLoop.makeFailedFuture(failure)
        }
        made.store(true, ordering: .relaxed)
        return channel.eventLoop.makeSucceededVoidFuture()
    }
}
