/// `noop`: does nothing and succeeds; for benchmarks and smoke tests.
public struct NoopHandler: JobHandler {
    public init() {}

    public func handle(_ job: JobContext) async throws -> String? { nil }
}
