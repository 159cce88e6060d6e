import ForgeCore
import ForgeRedis
import ForgeWorker
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Testing

@Suite struct HTTPHandlerTests {
    /// A tiny server on a free port: `/status/{code}` answers with that status.
    func withServer(_ body: @Sendable (Int) async throws -> Void) async throws {
        let router = Router()
        router.post("status/{code}") { _, context -> Response in
            let code = try context.parameters.require("code", as: Int.self)
            return Response(status: .init(code: code))
        }
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { portSink.yield($0.localAddress?.port ?? 0) }, logger: quietLogger
        )
        let group = ServiceGroup(configuration: .init(services: [app], logger: quietLogger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            do { try await body(port) } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test func statusCodesMapToOkRetryAndDead() async throws {
        try await withServer { port in
            try await TestRedis.with { redis in
                func job(_ code: Int) async throws -> JobID {
                    try await redis.enqueue(
                        "http", payload: #"{"url":"http://127.0.0.1:\#(port)/status/\#(code)","body":{"a":1}}"#,
                        maxAttempts: 3
                    )
                }
                let ok = try await job(200)
                let unavailable = try await job(503)
                let missing = try await job(404)
                try await withWorker(redis, handlers: .builtins, configuration: testConfiguration()) { _ in
                    let done = try await redis.waitFor(ok, state: .completed)
                    #expect(done.result == #"{"status":200}"#)
                    let retry = try await redis.waitFor(unavailable, state: .retrying)
                    #expect(retry.lastError?.contains("503") == true)
                    let dead = try await redis.waitFor(missing, state: .dead)
                    #expect(dead.lastError?.contains("404") == true)
                    #expect(dead.attempts == 1)
                }
            }
        }
    }

    @Test func loopbackIsRefusedByDefault() async throws {
        try await withServer { port in
            try await TestRedis.with { redis in
                let id = try await redis.enqueue(
                    "http", payload: #"{"url":"http://127.0.0.1:\#(port)/status/200"}"#, maxAttempts: 3
                )
                try await withWorker(redis, handlers: .builtins, configuration: testConfiguration()) { _ in
                    let dead = try await redis.waitFor(id, state: .dead)
                    #expect(dead.attempts == 1)
                    #expect(dead.lastError?.contains("127.0.0.1 is a loopback address") == true)
                    #expect(dead.lastError?.contains("FORGE_HTTP_ALLOW") == true)
                }
            }
        }
    }

    @Test func refusedConnectionIsRetryable() async throws {
        try await TestRedis.with { redis in
            // Port 1 on loopback: nothing listens there.
            let id = try await redis.enqueue("http", payload: #"{"url":"http://127.0.0.1:1/x","method":"GET"}"#, maxAttempts: 3)
            try await withWorker(redis, handlers: .builtins, configuration: testConfiguration()) { _ in
                try await redis.waitFor(id, state: .retrying)
            }
        }
    }

    @Test func payloadWithoutAURLIsDeadAtOnce() async throws {
        try await TestRedis.with { redis in
            let id = try await redis.enqueue("http", payload: #"{"method":"GET"}"#, maxAttempts: 3)
            try await withWorker(redis, handlers: .builtins, configuration: testConfiguration()) { _ in
                let record = try await redis.waitFor(id, state: .dead)
                #expect(record.lastError?.contains("url") == true)
            }
        }
    }
}
