/// `fail` `{"message": "...", "retryable": true}`: always fails; for testing retries and the DLQ.
public struct FailHandler: JobHandler {
    struct Payload: Decodable {
        var message: String?
        var retryable: Bool?
    }

    public init() {}

    public func handle(_ job: JobContext) async throws -> String? {
        // A payload that is not an object (e.g. `null`) still fails, with the defaults.
        let payload = (try? job.decode(Payload.self)) ?? Payload()
        throw JobFailure(message: payload.message ?? "failed on purpose", retryable: payload.retryable ?? true)
    }
}
