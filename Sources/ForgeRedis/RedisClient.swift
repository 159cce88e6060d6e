import ForgeIO

/// Redis through a pool of hiredis connections on threads of their own (see
/// ``BlockingConnectionPool``): blocking calls never run on Swift's cooperative executor.
public final class RedisClient: Sendable {
    public let configuration: RedisConfiguration
    private let pool: BlockingConnectionPool<RedisConnection, RedisError>
    private let scripts = ScriptCache()

    public init(configuration: RedisConfiguration) {
        self.configuration = configuration
        pool = BlockingConnectionPool(
            size: configuration.poolSize,
            connect: { () throws(RedisError) -> RedisConnection in try RedisConnection(configuration: configuration) },
            shutdownError: { RedisError(code: .shutdown, message: "redis client is shut down") }
        )
    }

    public func shutdown() async { await pool.shutdown() }

    /// Runs `body` with an exclusive connection on a pool thread.
    public func withConnection<T: Sendable>(
        _ body: @escaping @Sendable (RedisConnection) throws(RedisError) -> T
    ) async throws(RedisError) -> T {
        try await pool.withConnection(body)
    }

    public func command(_ arguments: [String]) async throws(RedisError) -> RedisValue {
        try await withConnection { connection throws(RedisError) in try connection.command(arguments) }
    }

    /// All commands in one round trip; replies in order, error replies as `.error` values.
    public func pipeline(_ commands: [[String]]) async throws(RedisError) -> [RedisValue] {
        try await withConnection { connection throws(RedisError) in try connection.pipeline(commands) }
    }

    /// Runs scripts in one round trip with EVALSHA, loading any the server has forgotten.
    public func evaluate(_ calls: [ScriptCall]) async throws(RedisError) -> [RedisValue] {
        try await withConnection { [scripts] connection throws(RedisError) in
            try scripts.evaluate(calls, on: connection)
        }
    }

    public func evaluate(_ call: ScriptCall) async throws(RedisError) -> RedisValue {
        let reply = try await evaluate([call])[0]
        if case .error(let message) = reply { throw RedisError.server(message) }
        return reply
    }

    /// PING; the readiness probe.
    public func ping() async -> Bool {
        (try? await command(["PING"]))?.string == "PONG"
    }
}
