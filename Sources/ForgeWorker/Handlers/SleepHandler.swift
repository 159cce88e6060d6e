/// `sleep` `{"ms": n}`: waits `n` milliseconds (cancellable), then succeeds; simulates work.
public struct SleepHandler: JobHandler {
    struct Payload: Decodable {
        var ms: Int64
    }

    public init() {}

    public func handle(_ job: JobContext) async throws -> String? {
        let payload = try job.decode(Payload.self)
        guard payload.ms >= 0 else { throw JobFailure(message: "ms must not be negative", retryable: false) }
        try await Task.sleep(for: .milliseconds(payload.ms))
        return nil
    }
}
