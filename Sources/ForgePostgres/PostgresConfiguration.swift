import ForgeCore
import FoundationEssentials

/// Where and how to reach Postgres.
///
/// The URL is handed to libpq unchanged, so every libpq URI feature works (`sslmode`, several
/// hosts, `application_name`, …); Forge only checks the scheme so a typo fails at start with a
/// message naming the setting instead of a libpq parse error later.
public struct PostgresConfiguration: Sendable, Hashable, Codable {
    /// The default for `FORGE_POSTGRES_URL`: a local server, database and user `forge`.
    public static let defaultURL = "postgres://forge@127.0.0.1:5432/forge"

    /// A libpq URI, `postgres://[user[:password]@]host[:port]/dbname[?param=value&…]`.
    public var url: String
    /// Connections (and threads running blocking libpq calls) in the pool.
    public var poolSize: Int
    /// Schema every connection uses (`SET search_path`, overriding any `search_path` the URL
    /// sets); `nil` keeps the server's default. The services use their namespace
    /// (``schema(forNamespace:)``), so installations sharing a database never see each other's
    /// history; tests use it to isolate themselves.
    public var schema: String?
    /// Whether connecting creates ``schema`` if it is missing.
    public var createSchema: Bool
    /// Seconds libpq waits for a connection unless the URL sets `connect_timeout`.
    public var connectTimeoutSeconds: Int
    /// Longest a statement may run before the server cancels it (`statement_timeout`), unless the
    /// URL's `options` set one; 0 for none. One slow query then fails instead of holding a pool
    /// connection (and its thread) indefinitely.
    public var statementTimeoutMs: Int
    /// Longest a history search may run (`SET LOCAL statement_timeout` around it); 0 for the
    /// session's ``statementTimeoutMs``. A search that filters on something no index serves must
    /// fail fast instead of holding a pool connection that lookups and the archiver need.
    public var searchTimeoutMs: Int

    public static let defaultSearchTimeoutMs = 5_000

    /// Validates the settings; `setting` names the flag or variable the URL came from in errors.
    public init(
        url: String = PostgresConfiguration.defaultURL,
        poolSize: Int = 4,
        schema: String? = nil,
        createSchema: Bool = false,
        connectTimeoutSeconds: Int = 5,
        statementTimeoutMs: Int = 60_000,
        searchTimeoutMs: Int = PostgresConfiguration.defaultSearchTimeoutMs,
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
        if let schema, let problem = Self.schemaProblem(schema) {
            throw PostgresError(code: .configuration, message: "schema: \(problem)")
        }
        self.url = url
        self.poolSize = poolSize
        self.schema = schema
        self.createSchema = createSchema
        self.connectTimeoutSeconds = max(1, connectTimeoutSeconds)
        self.statementTimeoutMs = max(0, statementTimeoutMs)
        self.searchTimeoutMs = max(0, searchTimeoutMs)
    }

    /// The schema holding the history of the installation with Redis key namespace `namespace`:
    /// the namespace itself (`forge` by default), so one `FORGE_NAMESPACE` separates both stores.
    public static func schema(forNamespace namespace: String) -> String { namespace }

    /// Why `name` cannot be a schema Forge creates, or `nil` when it can: Postgres truncates
    /// identifiers past 63 bytes (two long namespaces could meet in one schema) and reserves the
    /// `pg_` prefix.
    public static func schemaProblem(_ name: String) -> String? {
        if name.isEmpty || name.utf8.count > 63 { return "must be 1 to 63 bytes long" }
        if name.hasPrefix("pg_") { return "must not start with pg_ (reserved by Postgres)" }
        return nil
    }

    /// Whether the URL chooses a `search_path` of its own (`?options=-csearch_path%3D…`): the
    /// schema a release before per-namespace schemas kept its tables in.
    public var urlSetsSearchPath: Bool {
        (url.percentDecoded ?? url).lowercased().contains("search_path")
    }

    /// The configuration from `FORGE_POSTGRES_URL`, or the default URL when it is unset.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment,
        poolSize: Int = 4
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

    /// The URL with every password in it replaced by `***`, safe for logs and error messages
    /// (see ``RedactedURL``).
    public var redactedURL: String { RedactedURL.redact(url) }
}
