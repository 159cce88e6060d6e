import ForgeCore
import ForgeRedis
import ForgeTestSupport
import ForgeWorker
import Testing

/// Handlers over `Codable` payloads and results, through a real worker and Redis.
@Suite struct TypedHandlerTests {
    struct Resize: JobPayload {
        static let jobType = "image.resize"
        var width: Int
        var height: Int
    }

    struct Resized: Encodable {
        var pixels: Int
        var attempt: Int
    }

    struct Ping: JobPayload {
        static let jobType = "ping"
    }

    @Test func payloadIsDecodedAndResultStoredAsJSON() async throws {
        try await TestRedis.with { redis in
            var handlers = HandlerRegistry()
            handlers.register(Resize.self) { resize, job in
                Resized(pixels: resize.width * resize.height, attempt: job.attempt)
            }
            let id = try await redis.enqueue("image.resize", payload: #"{"width":30,"height":20}"#)
            try await withWorker(redis, handlers: handlers, configuration: testConfiguration()) { _ in
                let record = try await redis.waitFor(id, state: .completed)
                #expect(record.result == #"{"attempt":1,"pixels":600}"#)
            }
        }
    }

    @Test func handlerWithoutResultCompletesWithNone() async throws {
        try await TestRedis.with { redis in
            var handlers = HandlerRegistry()
            handlers.register(Ping.self) { (_: Ping, _: JobContext) in }
            let id = try await redis.enqueue("ping", payload: "{}")
            try await withWorker(redis, handlers: handlers, configuration: testConfiguration()) { _ in
                let record = try await redis.waitFor(id, state: .completed)
                #expect(record.result == nil)
            }
        }
    }

    /// A payload of the wrong shape cannot succeed on a retry: dead at once, the error naming
    /// the type and the missing field, the handler never run.
    @Test func payloadThatDoesNotDecodeIsDeadAtOnce() async throws {
        try await TestRedis.with { redis in
            let ran = Flag()
            var handlers = HandlerRegistry()
            handlers.register(Resize.self) { resize, _ in
                ran.set()
                return Resized(pixels: 0, attempt: 0)
            }
            let id = try await redis.enqueue("image.resize", payload: #"{"width":30}"#, maxAttempts: 5)
            try await withWorker(redis, handlers: handlers, configuration: testConfiguration()) { _ in
                let record = try await redis.waitFor(id, state: .dead)
                #expect(record.attempts == 1)
                #expect(record.lastError?.contains("Resize") == true)
                #expect(record.lastError?.contains("height") == true)
            }
            #expect(!ran.isSet)
        }
    }

    @Test func anyDecodablePayloadByTypeName() async throws {
        try await TestRedis.with { redis in
            var handlers = HandlerRegistry()
            handlers.register("greet", payload: [String: String].self) { names, _ in
                ["greeting": "hello \(names["name"] ?? "?")"]
            }
            let id = try await redis.enqueue("greet", payload: #"{"name":"ada"}"#)
            try await withWorker(redis, handlers: handlers, configuration: testConfiguration()) { _ in
                let record = try await redis.waitFor(id, state: .completed)
                #expect(record.result == #"{"greeting":"hello ada"}"#)
            }
        }
    }
}
