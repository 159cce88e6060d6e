/// Runs jobs of one type.
///
/// Forge delivers at least once: a handler may see the same job again after a crash or an
/// expired lease, so handlers should be idempotent. The handler runs in a child task that is
/// cancelled at the job's deadline, when the job is canceled, or when its lease is lost; long
/// handlers should check for cancellation (`try Task.checkCancellation()`, cancellable awaits).
public protocol JobHandler: Sendable {
    /// Runs one attempt. Returns the job's result as JSON text, or `nil` for none.
    ///
    /// Throw ``JobFailure`` to choose between retry and dead letter; any other error is retried
    /// (with the job's backoff) until the job is out of attempts.
    func handle(_ job: JobContext) async throws -> String?
}

/// A handler made from a closure, for ``HandlerRegistry/register(_:_:)-(_,(JobContext)->String?)``.
public struct ClosureHandler: JobHandler {
    private let body: @Sendable (JobContext) async throws -> String?

    public init(_ body: @escaping @Sendable (JobContext) async throws -> String?) {
        self.body = body
    }

    public func handle(_ job: JobContext) async throws -> String? {
        try await body(job)
    }
}
