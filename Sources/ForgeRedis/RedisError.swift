/// Failures talking to Redis, each with enough context to act on.
public struct RedisError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case connectionFailed, connectionBroken, server, unexpectedReply, configuration, shutdown, notServing, notReplicated
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// No connection could be made (server down, wrong address, refused auth).
        public static let connectionFailed = Code(.connectionFailed)
        /// An established connection failed mid-command (I/O error, EOF, timeout).
        public static let connectionBroken = Code(.connectionBroken)
        /// Redis answered with an error reply.
        public static let server = Code(.server)
        /// Redis answered but cannot serve right now (`LOADING` its data after a restart, `BUSY`
        /// with a long script, no primary, a failover): the command did not run.
        public static let notServing = Code(.notServing)
        /// Redis answered with a shape Forge does not expect: a bug or a foreign key.
        public static let unexpectedReply = Code(.unexpectedReply)
        public static let configuration = Code(.configuration)
        /// The client was shut down.
        public static let shutdown = Code(.shutdown)
        /// The write ran on the master, but fewer replicas than asked for acknowledged it in
        /// time (see ``ReplicaWait``).
        public static let notReplicated = Code(.notReplicated)

        public var description: String { base.rawValue }
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// Whether the error means Redis is unreachable (as opposed to a refused request).
    public var isUnavailable: Bool {
        code == .connectionFailed || code == .connectionBroken || code == .shutdown || code == .notServing
    }

    public var description: String { "redis \(code): \(message)" }

    static func unexpectedReply(_ context: String, _ reply: RedisValue) -> RedisError {
        RedisError(code: .unexpectedReply, message: "\(context): got \(reply)")
    }

    package static func server(_ message: String) -> RedisError {
        let transient = ["LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN", "READONLY"]
        let notServing = transient.contains { message.hasPrefix($0 + " ") }
        return RedisError(code: notServing ? .notServing : .server, message: message)
    }
}
