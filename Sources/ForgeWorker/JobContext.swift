import ForgeCore
import FoundationEssentials
import Logging

/// What a handler knows about the attempt it runs.
public struct JobContext: Sendable {
    public let id: JobID
    public let queue: QueueName
    public let type: String
    /// The payload as JSON text.
    public let payload: String
    /// This attempt's number, starting at 1.
    public let attempt: Int
    public let maxAttempts: Int
    /// When the attempt is cancelled for running past the job's `timeout_ms`.
    public let deadline: ContinuousClock.Instant
    /// A logger carrying `job_id`, `queue`, `type` and `attempt` metadata (built when asked for:
    /// most handlers never log, and copying metadata for every job showed in profiles).
    public var logger: Logger {
        var logger = baseLogger
        logger[metadataKey: "job_id"] = "\(id)"
        logger[metadataKey: "queue"] = "\(queue)"
        logger[metadataKey: "type"] = "\(type)"
        logger[metadataKey: "attempt"] = "\(attempt)"
        return logger
    }

    private let baseLogger: Logger

    public init(
        id: JobID,
        queue: QueueName,
        type: String,
        payload: String,
        attempt: Int,
        maxAttempts: Int,
        deadline: ContinuousClock.Instant,
        logger: Logger
    ) {
        self.id = id
        self.queue = queue
        self.type = type
        self.payload = payload
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.deadline = deadline
        baseLogger = logger
    }

    /// Whether a failure of this attempt leaves room for another one.
    public var isLastAttempt: Bool { attempt >= maxAttempts }

    /// Decodes the payload. A payload that does not fit `T` will not fit on a retry either, so
    /// the error is a non-retryable ``JobFailure``.
    public func decode<T: Decodable>(_ type: T.Type = T.self, using decoder: JSONDecoder = JSONDecoder()) throws -> T {
        do {
            return try decoder.decode(T.self, from: Data(payload.utf8))
        } catch {
            throw JobFailure(message: "payload does not decode as \(T.self): \(error)", retryable: false)
        }
    }
}
