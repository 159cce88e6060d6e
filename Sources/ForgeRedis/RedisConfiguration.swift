import ForgeCore
import FoundationEssentials

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
    /// More cluster nodes to ask for the slot map when the first seed does not answer,
    /// `host:port` each.
    public var moreSeeds: [String] = []

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

    /// Parses a `redis://[user:password@]host:port[/db]` URL, or a Redis Cluster's
    /// `redis+cluster://[user:password@]host:port[,host:port…]` (seeds: any nodes of the cluster,
    /// the map is read from the first that answers); `setting` names the flag or variable in
    /// the error.
    public init(url: String, setting: String = "FORGE_REDIS_URL", poolSize: Int = 4) throws(RedisError) {
        let clusterScheme = "redis+cluster://"
        guard url.hasPrefix(clusterScheme) else {
            try self.init(single: url, setting: setting, poolSize: poolSize)
            return
        }
        let expected = "redis+cluster://[user:password@]host:port[,host:port…]"
        func bad(_ why: String) -> RedisError {
            RedisError(code: .configuration, message: "\(setting): \(why) (expected \(expected))")
        }
        var rest = Substring(url.dropFirst(clusterScheme.count))
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.contains("/") else { throw bad("a cluster has only database 0, so the URL takes no path") }
        var credentials = ""
        if let at = rest.lastIndex(of: "@") {
            credentials = String(rest[...at])
            rest = rest[rest.index(after: at)...]
        }
        let seeds = rest.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard let first = seeds.first, !first.isEmpty, seeds.allSatisfy({ !$0.isEmpty }) else { throw bad("missing host") }
        try self.init(single: "redis://" + credentials + first, setting: setting, poolSize: poolSize, expected: expected)
        for seed in seeds.dropFirst() { _ = try RedisConfiguration(single: "redis://" + seed, setting: setting, expected: expected) }
        cluster = true
        moreSeeds = seeds.dropFirst().map { $0.contains(":") ? $0 : $0 + ":6379" }
    }

    private init(
        single url: String,
        setting: String,
        poolSize: Int = 4,
        expected: String = "redis://[user:password@]host:port[/db]"
    ) throws(RedisError) {
        func bad(_ why: String) -> RedisError {
            RedisError(code: .configuration, message: "\(setting): \(why) (expected \(expected))")
        }
        guard let components = URLComponents(string: url), components.scheme == "redis" else {
            throw bad("not a redis:// URL")
        }
        guard let host = components.host, !host.isEmpty else { throw bad("missing host") }
        var database = 0
        let path = components.path.split(separator: "/", omittingEmptySubsequences: false).filter { !$0.isEmpty }.joined(separator: "/")
        if !path.isEmpty {
            guard let db = Int(path), db >= 0 else { throw bad("database must be a number") }
            database = db
        }
        // Decoded exactly once: `user`/`password` of URLComponents are decoded already, and
        // decoding them again dropped a password holding `%` (and mangled one holding `%41`).
        let user = components.percentEncodedUser.flatMap { $0.isEmpty ? nil : $0.percentDecoded }
        let password = components.percentEncodedPassword.flatMap { $0.percentDecoded }
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
