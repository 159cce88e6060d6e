import Foundation

/// Where and how to reach Redis, parsed from `redis://[user:password@]host:port[/db]`.
public struct RedisConfiguration: Sendable, Hashable {
    public var host: String
    public var port: Int
    public var username: String?
    public var password: String?
    public var database: Int
    /// Connect and per-command socket timeout. Blocking waits use their own connection.
    public var timeoutMs: Int
    /// Connections (and threads running blocking hiredis calls) in the pool; on a cluster, per node.
    public var poolSize: Int
    /// Whether ``host``:``port`` is a seed of a Redis Cluster rather than the one server.
    public var cluster: Bool

    public init(
        host: String = "127.0.0.1",
        port: Int = 6379,
        username: String? = nil,
        password: String? = nil,
        database: Int = 0,
        timeoutMs: Int = 2_000,
        poolSize: Int = 4,
        cluster: Bool = false
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.timeoutMs = timeoutMs
        self.poolSize = poolSize
        self.cluster = cluster
    }

    /// Parses a `redis://` URL; `setting` names the flag or variable in the error.
    public init(url: String, setting: String = "FORGE_REDIS_URL", poolSize: Int = 4) throws(RedisError) {
        func bad(_ why: String) -> RedisError {
            RedisError(code: .configuration, message: "\(setting): \(why) (expected redis://[user:password@]host:port[/db])")
        }
        guard let components = URLComponents(string: url), components.scheme == "redis" else {
            throw bad("not a redis:// URL")
        }
        guard let host = components.host, !host.isEmpty else { throw bad("missing host") }
        var database = 0
        let path = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        if !path.isEmpty {
            guard let db = Int(path), db >= 0 else { throw bad("database must be a number") }
            database = db
        }
        // Decoded exactly once: `user`/`password` of URLComponents are decoded already, and
        // decoding them again dropped a password holding `%` (and mangled one holding `%41`).
        let user = components.percentEncodedUser.flatMap { $0.isEmpty ? nil : $0.removingPercentEncoding }
        let password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        self.init(
            host: host,
            port: components.port ?? 6379,
            username: password == nil ? nil : user,
            password: password,
            database: database,
            poolSize: poolSize
        )
    }
}
