import ArgumentParser
import FoundationEssentials
import Logging

/// Settings every Forge service shares; each flag defaults to its `FORGE_*` variable.
///
/// The URLs may carry passwords, so they have no ArgumentParser default (which `--help` would
/// print): ``redisURL()`` and ``postgresURL()`` resolve flag, file and environment in code.
public struct ServiceOptions: ParsableArguments {
    public static let defaultRedisURL = "redis://127.0.0.1:6379"
    public static let defaultPostgresURL = "postgres://forge@127.0.0.1:5432/forge"

    @Option(
        name: .customLong("redis-url"),
        help:
            "Redis URL, redis://[user:password@]host:port[/db], or redis+cluster://[user:password@]host:port[,host:port…] for a Redis Cluster (env FORGE_REDIS_URL; default \(defaultRedisURL))."
    )
    public var redisURLFlag: String?

    @Option(name: .customLong("redis-url-file"), help: "File holding the Redis URL, e.g. a mounted secret (env FORGE_REDIS_URL_FILE).")
    public var redisURLFile: String?

    @Option(name: .customLong("postgres-url"), help: "Postgres URL (env FORGE_POSTGRES_URL; default \(defaultPostgresURL)).")
    public var postgresURLFlag: String?

    @Option(name: .customLong("postgres-url-file"), help: "File holding the Postgres URL (env FORGE_POSTGRES_URL_FILE).")
    public var postgresURLFile: String?

    @Option(help: "Address to listen on for the API, probes and /metrics (env FORGE_HTTP_HOST).")
    public var httpHost = environment("FORGE_HTTP_HOST", "0.0.0.0")

    @Option(help: "Port to listen on (env FORGE_HTTP_PORT; default per service).")
    public var httpPort: Int?

    @Option(help: "trace, debug, info, notice, warning, error or critical (env FORGE_LOG_LEVEL).")
    public var logLevel = environment("FORGE_LOG_LEVEL", "info")

    @Option(
        help: "Redis key prefix and Postgres schema, so installations can share one Redis and one database (env FORGE_NAMESPACE)."
    )
    public var namespace = environment("FORGE_NAMESPACE", "forge")

    public init() {}

    /// Checks the settings every service uses; each command resolves the URLs it needs itself
    /// (a worker never reads the Postgres URL, so a Postgres secret it lacks is no error).
    public func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level / FORGE_LOG_LEVEL: '\(logLevel)' is not one of trace, debug, info, notice, warning, error, critical")
        }
        if let text = environment("FORGE_HTTP_PORT", nil), Int(text) == nil {
            throw ValidationError("FORGE_HTTP_PORT: '\(text)' is not a port number")
        }
        if let port = httpPort ?? environment("FORGE_HTTP_PORT", nil).flatMap({ Int($0) }), !(0...65535).contains(port) {
            throw ValidationError("--http-port / FORGE_HTTP_PORT: \(port) is not a port number")
        }
        try Self.validate(namespace: namespace)
    }

    /// The namespace names a Redis key prefix and a Postgres schema, so it must suit both.
    public static func validate(namespace: String) throws {
        let allowed = { (byte: UInt8) in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"):
                true
            default: false
            }
        }
        guard (1...63).contains(namespace.utf8.count), namespace.utf8.allSatisfy(allowed) else {
            throw ValidationError("--namespace / FORGE_NAMESPACE: use 1-63 of A-Z a-z 0-9 _ . -")
        }
        guard !namespace.hasPrefix("pg_") else {
            throw ValidationError("--namespace / FORGE_NAMESPACE: must not start with pg_ (Postgres reserves it for schemas)")
        }
    }

    /// The port from the flag, else `FORGE_HTTP_PORT`, else the service's own default.
    public func port(default fallback: Int) -> Int {
        httpPort ?? environment("FORGE_HTTP_PORT", nil).flatMap { Int($0) } ?? fallback
    }

    public var level: Logger.Level { Logger.Level(rawValue: logLevel) ?? .info }

    /// The Redis URL from `--redis-url[-file]` or `FORGE_REDIS_URL[_FILE]`, else the default.
    public func redisURL() throws -> String {
        try SecretSetting.redisURL.value(flag: redisURLFlag, file: redisURLFile) ?? Self.defaultRedisURL
    }

    /// The Postgres URL from `--postgres-url[-file]` or `FORGE_POSTGRES_URL[_FILE]`, else the default.
    public func postgresURL() throws -> String {
        try SecretSetting.postgresURL.value(flag: postgresURLFlag, file: postgresURLFile) ?? Self.defaultPostgresURL
    }
}
