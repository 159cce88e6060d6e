/// Why forge-load could not do what it was asked, with the setting or endpoint involved.
///
/// A struct with a code rather than a closed enum, so new cases do not break callers that
/// switch over the codes they know.
public struct LoadError: Error, CustomStringConvertible, Sendable, Equatable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// A flag or environment variable has a value forge-load cannot use.
        public static let invalidSetting = Code("invalid setting")
        /// The gateway or a /metrics endpoint could not be reached or answered nonsense.
        public static let unreachable = Code("unreachable")
        /// A worker process or an orchestration command (kubectl, docker compose) failed.
        public static let process = Code("process")
        /// A report file could not be written.
        public static let output = Code("output")
    }

    public var code: Code
    /// What went wrong, naming the flag, URL or command.
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// A bad value for `flag`: the message names the flag, as every CLI error should.
    public static func invalid(_ flag: String, _ reason: String) -> LoadError {
        LoadError(.invalidSetting, "\(flag): \(reason)")
    }
}
