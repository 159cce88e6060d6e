import ForgeLoad
import Glibc
import NIOCore
import NIOPosix
import Testing

/// forge-load's sender (``SocketDriver``) against small servers of the test's own: what it makes
/// of answers, refusals, silence and servers that close after each answer.
struct SocketDriverTests {
    /// Answers every request with `answer` (and closes after it when `closes`), or never answers.
    final class Server: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let answer: String?
        let closes: Bool

        init(answer: String?, closes: Bool = false) {
            self.answer = answer
            self.closes = closes
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            // Each request of ours is one small write; a read holds one or more whole ones.
            let bytes = unwrapInboundIn(data)
            guard let answer else { return }
            let requests = bytes.readableBytesView.split(separator: UInt8(ascii: "P"), omittingEmptySubsequences: true).count
            for _ in 0..<requests {
                context.write(wrapOutboundOut(context.channel.allocator.buffer(string: answer)), promise: nil)
            }
            context.flush()
            if closes { context.close(promise: nil) }
        }
    }

    func serve(_ handler: Server) async throws -> any Channel {
        try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handler) } }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    func run(
        port: Int,
        rate: Double = 200,
        count: Int = 20,
        timeout: Duration = .seconds(5),
        connections: Int = 4
    ) async throws -> LoadRecorder.Totals {
        let settings = LoadSettings(url: "http://127.0.0.1:\(port)", token: "a-token-long-enough-for-the-gateway")
        let start = ContinuousClock.now + .milliseconds(20)
        let recorder = LoadRecorder(measureStart: start, lateThreshold: .seconds(1))
        let schedule = ArrivalSchedule(start: start, requestsPerSecond: rate, warmup: .zero, duration: .seconds(Double(count) / rate))
        let driver = SocketDriver(
            request: try WireRequest(settings: settings),
            maxConnections: connections,
            timeout: timeout,
            recorder: recorder,
            inFlight: InFlightCount()
        )
        await driver.run(.open(schedule, maxInFlight: 100))
        return recorder.totals
    }

    @Test func countsAnswersByStatus() async throws {
        let ok = try await serve(Server(answer: "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}"))
        defer { ok.close(promise: nil) }
        let totals = try await run(port: ok.localAddress!.port!)
        #expect(totals.okRequests == 20)
        #expect(totals.acceptedJobs == 20)
        #expect(totals.errorCount == 0)

        let busy = try await serve(Server(answer: "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"))
        defer { busy.close(promise: nil) }
        #expect(try await run(port: busy.localAddress!.port!).errors == [.status(503): 20])
    }

    @Test func reconnectsWhenTheServerClosesAfterEachAnswer() async throws {
        let server = try await serve(Server(answer: "HTTP/1.1 201 Created\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}", closes: true))
        defer { server.close(promise: nil) }
        let totals = try await run(port: server.localAddress!.port!)
        #expect(totals.okRequests == 20)
        #expect(totals.errorCount == 0)
    }

    @Test func aRefusedConnectionIsAConnectionError() async throws {
        // A port bound but not listening refuses connections, and stays this test's: a server's port
        // closed and reused was once taken by a parallel test's silent server (timeouts, not refusals).
        let (descriptor, port) = try Self.refusingPort()
        defer { close(descriptor) }
        #expect(try await run(port: port).errors == [.connection: 20])
    }

    static func refusingPort() throws -> (descriptor: Int32, port: Int) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(descriptor >= 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
        }
        try #require(bound)
        return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// Against a gateway that is down, closed-loop chains pause between connects instead of
    /// spinning on refusals (thousands a second per chain without the pause).
    @Test func closedLoopChainsPauseAfterARefusal() async throws {
        let server = try await serve(Server(answer: nil))
        let port = server.localAddress!.port!
        try await server.close()
        let start = ContinuousClock.now
        let recorder = LoadRecorder(measureStart: start, lateThreshold: .seconds(1))
        let driver = SocketDriver(
            request: try WireRequest(settings: LoadSettings(url: "http://127.0.0.1:\(port)")),
            maxConnections: 2,
            timeout: .seconds(5),
            recorder: recorder,
            inFlight: InFlightCount()
        )
        await driver.run(.closed(connections: 2, end: start + .milliseconds(500)))
        let refused = recorder.totals.errors[.connection] ?? 0
        // Two chains, a pause of 10 ms each after every refusal: about 100 in half a second.
        #expect(refused > 0)
        #expect(refused < 300, "\(refused) refusals in 0.5 s")
        #expect(recorder.totals.errors.keys.allSatisfy { $0 == .connection })
    }

    @Test func aServerThatNeverAnswersTimesOut() async throws {
        let server = try await serve(Server(answer: nil))
        defer { server.close(promise: nil) }
        let totals = try await run(port: server.localAddress!.port!, count: 6, timeout: .milliseconds(200), connections: 2)
        #expect(totals.errors == [.timeout: 6])
    }

    @Test func onlyPlainHTTPIsAccepted() {
        #expect(throws: LoadError.self) { try WireRequest(settings: LoadSettings(url: "https://127.0.0.1:8443")) }
    }
}
