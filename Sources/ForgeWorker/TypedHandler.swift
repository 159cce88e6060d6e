import FoundationEssentials

/// A job's payload as a Swift type that names its job type, as swift-jobs' `JobParameters` do:
/// the type string is written once, so the handler and a Swift producer cannot disagree on it.
///
/// ```swift
/// struct SendEmail: JobPayload {
///     static let jobType = "email.send"
///     var to: String
///     var subject: String
/// }
/// ```
public protocol JobPayload: Codable, Sendable {
    /// The job type this payload travels under, e.g. `email.send` (`[A-Za-z0-9_.:-]{1,128}`).
    static var jobType: String { get }
}

/// A handler over a decoded payload and an encodable result: the payload is decoded from the
/// job's JSON (one that does not decode is a non-retryable failure, so it dead-letters at once:
/// no retry can fix it) and the result is stored as JSON.
public struct TypedHandler<Payload: Decodable & Sendable, Result: Encodable>: JobHandler {
    private let body: @Sendable (Payload, JobContext) async throws -> Result

    public init(_ body: @escaping @Sendable (Payload, JobContext) async throws -> Result) {
        self.body = body
    }

    /// Keys sorted: the same result is the same text on every platform and run (Foundation's
    /// encoder otherwise orders keys by hash on Linux).
    private static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    public func handle(_ job: JobContext) async throws -> String? {
        let payload = try job.decode(Payload.self)
        let result = try await body(payload, job)
        if result is NoResult { return nil }
        do {
            return String(decoding: try Self.encoder.encode(result), as: UTF8.self)
        } catch {
            // The work is done and a retry would do it again: fail for good, saying why.
            throw JobFailure(message: "result does not encode as JSON (\(Result.self)): \(error)", retryable: false)
        }
    }
}

/// What a typed handler with nothing to report returns: the job's `result` stays empty.
public struct NoResult: Encodable, Sendable {
    public init() {}
}

extension HandlerRegistry {
    /// Registers `body` for `Payload.jobType`, with a result stored as the job's JSON `result`.
    public mutating func register<Payload: JobPayload, Result: Encodable>(
        _ payload: Payload.Type,
        _ body: @escaping @Sendable (Payload, JobContext) async throws -> Result
    ) {
        register(Payload.jobType, TypedHandler(body))
    }

    /// Registers `body` for `Payload.jobType`; the job finishes without a result.
    public mutating func register<Payload: JobPayload>(
        _ payload: Payload.Type,
        _ body: @escaping @Sendable (Payload, JobContext) async throws -> Void
    ) {
        register(
            Payload.jobType,
            TypedHandler<Payload, NoResult> { payload, job in
                try await body(payload, job)
                return NoResult()
            }
        )
    }

    /// Registers `body` for `type` over any decodable payload (one defined elsewhere, or a
    /// `[String: String]`), with a result stored as JSON.
    public mutating func register<Payload: Decodable & Sendable, Result: Encodable>(
        _ type: String,
        payload: Payload.Type,
        _ body: @escaping @Sendable (Payload, JobContext) async throws -> Result
    ) {
        register(type, TypedHandler(body))
    }
}
