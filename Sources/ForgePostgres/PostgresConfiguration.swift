import Foundation

/// Where and how to reach Postgres.
///
/// The URL is handed to libpq unchanged, so every libpq URI feature works (`sslmode`, several
/// hosts, `application_name`, …); Forge only checks the scheme so a typo fails at start with a
/// message naming the setting instead of a libpq parse error later.
public struct PostgresConfiguration: Sendable, Hashable, Codable {
    /// DESIGN.md's default for `FORGE_POSTGRES_URL`.
    public static let defaultURL = "postgres://forge@127.0.0.1:5432/forge"

    /// A libpq URI, `postgres://[user[:password]@]host[:port]/dbname[?param=value&…]`.
    public var url: String
    /// Connections (and threads running blocking libpq calls) in the pool.
    public var poolSize: Int
    /// Schema every connection uses (`SET search_path`); `nil` keeps the server's default.
    /// Tests use it to isolate themselves; deployments can use it to share a database.
    public var schema: String?
    /// Whether connecting creates ``schema`` if it is missing.
    public var createSchema: Bool
    /// Seconds libpq waits for a connection unless the URL sets `connect_timeout`.
    public var connectTimeoutSeconds: Int
    /// Longest a statement may run before the server cancels it (`statement_timeout`), unless the
    /// URL's `options` set one; 0 for none. One slow query then fails instead of holding a pool
    /// connection (and its thread) indefinitely.
    public var statementTimeoutMs: Int

    /// Validates the settings; `setting` names the flag or variable the URL came from in errors.
    public init(
        url: String = PostgresConfiguration.defaultURL, poolSize: Int = 4, schema: String? = nil,
        createSchema: Bool = false, connectTimeoutSeconds: Int = 5, statementTimeoutMs: Int = 60_000,
        setting: String = "FORGE_POSTGRES_URL"
    ) throws(PostgresError) {
        guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
            throw PostgresError(
                code: .configuration,
                message: "\(setting): not a postgres:// or postgresql:// URL (expected e.g. \(Self.defaultURL))"
            )
        }
        guard poolSize >= 1 else {
            throw PostgresError(code: .configuration, message: "poolSize: must be at least 1, got \(poolSize)")
        }
        if let schema, schema.isEmpty || schema.utf8.count > 63 {
            throw PostgresError(code: .configuration, message: "schema: must be 1 to 63 bytes long")
        }
        self.url = url
        self.poolSize = poolSize
        self.schema = schema
        self.createSchema = createSchema
        self.connectTimeoutSeconds = max(1, connectTimeoutSeconds)
        self.statementTimeoutMs = max(0, statementTimeoutMs)
    }

    /// The configuration from `FORGE_POSTGRES_URL`, or the default URL when it is unset.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment, poolSize: Int = 4
    ) throws(PostgresError) -> PostgresConfiguration {
        try PostgresConfiguration(url: environment["FORGE_POSTGRES_URL"] ?? defaultURL, poolSize: poolSize)
    }

    /// libpq connection settings Forge uses unless the URL says otherwise: TCP keepalives and a
    /// user timeout, so a connection whose peer vanished (a half-open socket after a host or
    /// network failure) fails within seconds instead of blocking a pool thread for the ~15
    /// minutes of TCP retransmission.
    public var connectionDefaults: [(keyword: String, value: String)] {
        [
            ("connect_timeout", String(connectTimeoutSeconds)), ("fallback_application_name", "forge"),
            ("keepalives", "1"), ("keepalives_idle", "10"), ("keepalives_interval", "5"), ("keepalives_count", "3"),
            ("tcp_user_timeout", "15000"),
        ]
    }

    /// The URL with any password replaced by `***`, safe for logs and error messages.
    public var redactedURL: String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? url
    }
}
