internal import CLibPQ
import ForgeIO
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One libpq connection. The only file that touches libpq.
///
/// `@unchecked Sendable` is honest here: the `PGconn` pointer is private and every use of it after
/// `init` happens under the `state` mutex, so two threads never touch the connection at once; the
/// pool additionally hands a connection to one borrower at a time. Results are copied into
/// ``PostgresRows`` and cleared before a call returns, so no libpq pointer escapes.
public final class PostgresConnection: BlockingConnection, @unchecked Sendable {
    /// `PGconn *`.
    private let connection: OpaquePointer
    /// What the connection knows about itself; the mutex also serialises every use of `connection`.
    private struct State {
        /// Set once libpq reports the connection itself is gone.
        var broken = false
        /// Names of the statements prepared on this connection.
        var prepared: Set<String> = []
    }
    private let state = Mutex(State())

    /// True once the connection failed, and also while it is left inside a transaction: a
    /// borrower that forgot COMMIT must not hand its open transaction to the next one.
    public var isBroken: Bool {
        state.withLock { $0.broken || PQtransactionStatus(connection) != PQTRANS_IDLE }
    }

    public init(configuration: PostgresConfiguration) throws(PostgresError) {
        // `dbname` with expand_dbname = 1 expands the URI; keywords listed before it are defaults
        // the URI may override.
        let defaults = configuration.connectionDefaults
        let keywords = defaults.map(\.keyword) + ["dbname"]
        let values = defaults.map(\.value) + [configuration.url]
        let made = Self.withCStrings(keywords) { keys in
            Self.withCStrings(values) { vals in PQconnectdbParams(keys, vals, 1) }
        }
        guard let made else {
            throw PostgresError(code: .connectionFailed, message: "out of memory allocating a connection")
        }
        guard PQstatus(made) == CONNECTION_OK else {
            let message = Self.errorMessage(made)
            PQfinish(made)
            throw PostgresError(code: .connectionFailed, message: "\(configuration.redactedURL): \(message)")
        }
        // The default notice processor prints to stderr (e.g. "schema already exists, skipping").
        PQsetNoticeProcessor(made, { _, _ in }, nil)
        connection = made
        if let schema = configuration.schema {
            let quoted = Self.quoteIdentifier(schema)
            if configuration.createSchema {
                do throws(PostgresError) {
                    try execute("CREATE SCHEMA IF NOT EXISTS \(quoted)")
                } catch  where error.sqlState == "23505" || error.sqlState == "42P06" {
                    // Another connection created it between our check and insert: IF NOT EXISTS races.
                }
            }
            try execute("SET search_path TO \(quoted)")
        }
        if configuration.statementTimeoutMs > 0 {
            // Only where the URL's `options` did not choose a timeout of its own.
            try execute(
                "SELECT set_config('statement_timeout', '\(configuration.statementTimeoutMs)', false) "
                    + "WHERE current_setting('statement_timeout') = '0'"
            )
        }
    }

    /// The value libpq uses for a connection keyword (e.g. `keepalives_idle`), for diagnostics.
    public func setting(_ keyword: String) -> String? {
        state.withLock { _ in
            guard let options = PQconninfo(connection) else { return nil }
            defer { PQconninfoFree(options) }
            var index = 0
            while let name = options[index].keyword {
                if String(cString: name) == keyword { return options[index].val.map { String(cString: $0) } }
                index += 1
            }
            return nil
        }
    }

    deinit { PQfinish(connection) }

    /// Runs one statement with text parameters `$1…$n` (`nil` is SQL NULL) and returns its rows.
    @discardableResult
    public func query(_ sql: String, _ params: [String?] = []) throws(PostgresError) -> PostgresRows {
        try locked { connection throws(PostgresError) in
            let result = Self.withCStrings(params) { values in
                PQexecParams(connection, sql, Int32(params.count), nil, values, nil, nil, 0)
            }
            return try Self.check(result, on: connection)
        }
    }

    /// Runs `sql` as the named prepared statement, preparing it on first use on this connection.
    ///
    /// For the archiver's hot statements: parsing and planning a large upsert cost about 5 ms per
    /// call, as much as writing a few hundred rows. `name` must always stand for the same `sql`.
    @discardableResult
    public func query(prepared name: String, _ sql: String, _ params: [String?]) throws(PostgresError) -> PostgresRows {
        try lockedWithPrepared { connection, prepared throws(PostgresError) in
            if !prepared.contains(name) {
                _ = try Self.check(PQprepare(connection, name, sql, Int32(params.count), nil), on: connection)
                prepared.insert(name)
            }
            let result = Self.withCStrings(params) { values in
                PQexecPrepared(connection, name, Int32(params.count), values, nil, nil, 0)
            }
            return try Self.check(result, on: connection)
        }
    }

    /// Runs a script of one or more statements without parameters (simple query protocol), as
    /// migrations need; returns the last statement's rows.
    @discardableResult
    public func execute(_ script: String) throws(PostgresError) -> PostgresRows {
        try locked { connection throws(PostgresError) in try Self.check(PQexec(connection, script), on: connection) }
    }

    /// `name` as a quoted SQL identifier (`my"schema` → `"my""schema"`).
    public static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }

    private func lockedWithPrepared<T>(
        _ body: (OpaquePointer, inout Set<String>) throws(PostgresError) -> T
    ) throws(PostgresError) -> T {
        try state.withLock { (state: inout State) throws(PostgresError) -> T in
            guard !state.broken else { throw PostgresError(code: .connectionBroken, message: "connection already failed") }
            do throws(PostgresError) {
                return try body(connection, &state.prepared)
            } catch {
                if PQstatus(connection) != CONNECTION_OK { state.broken = true }
                throw error
            }
        }
    }

    private func locked<T>(_ body: (OpaquePointer) throws(PostgresError) -> T) throws(PostgresError) -> T {
        try lockedWithPrepared { connection, _ throws(PostgresError) in try body(connection) }
    }

    /// Funnels every libpq result status into a thrown error, as NIO's `System.swift` does for
    /// syscalls, and copies a good result out before clearing it.
    private static func check(_ result: OpaquePointer?, on connection: OpaquePointer) throws(PostgresError) -> PostgresRows {
        guard let result else {
            throw PostgresError(code: .connectionBroken, message: errorMessage(connection))
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return copy(result)
        case PGRES_FATAL_ERROR where PQstatus(connection) != CONNECTION_OK:
            throw PostgresError(code: .connectionBroken, message: errorMessage(connection))
        case PGRES_FATAL_ERROR, PGRES_NONFATAL_ERROR:
            // PG_DIAG_SQLSTATE is the character 'C'.
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            throw PostgresError(code: .query, message: trimmed(PQresultErrorMessage(result)), sqlState: state)
        default:
            throw PostgresError.unexpectedResult("libpq result status \(String(cString: PQresStatus(PQresultStatus(result))))")
        }
    }

    private static func copy(_ result: OpaquePointer) -> PostgresRows {
        let rowCount = PQntuples(result)
        let columnCount = PQnfields(result)
        var rows = PostgresRows()
        rows.columns = (0..<columnCount).map { PQfname(result, $0).map { String(cString: $0) } ?? "" }
        rows.rows.reserveCapacity(Int(rowCount))
        for row in 0..<rowCount {
            var values: [String?] = []
            values.reserveCapacity(Int(columnCount))
            for column in 0..<columnCount {
                if PQgetisnull(result, row, column) != 0 {
                    values.append(nil)
                } else {
                    let length = Int(PQgetlength(result, row, column))
                    let bytes = UnsafeRawBufferPointer(start: PQgetvalue(result, row, column), count: length)
                    values.append(String(decoding: bytes, as: UTF8.self))
                }
            }
            rows.rows.append(values)
        }
        rows.affectedRows = PQcmdTuples(result).flatMap { Int(String(cString: $0)) } ?? 0
        return rows
    }

    private static func errorMessage(_ connection: OpaquePointer) -> String {
        trimmed(PQerrorMessage(connection))
    }

    private static func trimmed(_ message: UnsafePointer<CChar>?) -> String {
        guard let message else { return "unknown error" }
        var text = String(cString: message)
        while text.last?.isWhitespace == true { text.removeLast() }
        return text.isEmpty ? "unknown error" : text
    }

    /// NUL-terminated copies of `strings` (`nil` stays a null pointer), valid inside `body`.
    private static func withCStrings<R>(
        _ strings: [String?],
        _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R
    ) -> R {
        let copies: [UnsafeMutablePointer<CChar>?] = strings.map { $0.flatMap { strdup($0) } }
        defer { for copy in copies { free(copy) } }
        let pointers = copies.map { $0.map { UnsafePointer($0) } } + [nil]
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
