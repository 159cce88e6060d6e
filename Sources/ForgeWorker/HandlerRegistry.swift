import ForgeCore

/// Job type → handler, the worker's dispatch table.
///
/// A job whose type has no handler here fails retryably ("no handler for type X"): another
/// worker (or a newer version of this one) may know the type.
public struct HandlerRegistry: Sendable {
    private var handlers: [String: any JobHandler] = [:]

    public init() {}

    /// Registers `handler` for `type`, replacing any earlier one. `type` must be a valid job type
    /// (`[A-Za-z0-9_.:-]{1,128}`); an invalid one could never match a job, so it is a programming
    /// error.
    public mutating func register(_ type: String, _ handler: any JobHandler) {
        precondition((try? JobType(type)) != nil, "'\(type)' is not a valid job type")
        handlers[type] = handler
    }

    /// Registers a closure for `type`.
    public mutating func register(_ type: String, _ body: @escaping @Sendable (JobContext) async throws -> String?) {
        register(type, ClosureHandler(body))
    }

    public func handler(for type: String) -> (any JobHandler)? { handlers[type] }

    /// The registered types, sorted.
    public var types: [String] { handlers.keys.sorted() }

    /// The `type` metric label for a job: its type if registered, else `other`, so arbitrary
    /// type strings from producers cannot grow the label set without bound.
    func metricLabel(for type: String) -> String { handlers[type] == nil ? "other" : type }
}
