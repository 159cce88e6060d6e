/// A query's result, copied out of libpq at once so no C memory outlives the call.
///
/// Values are in Postgres' text format (`t`/`f` for booleans, ISO dates unless the query formats
/// them); SQL NULL is `nil`.
public struct PostgresRows: Sendable, Hashable {
    public var columns: [String]
    public var rows: [[String?]]
    /// Rows affected by INSERT/UPDATE/DELETE (`PQcmdTuples`), 0 for other statements.
    public var affectedRows: Int

    public init(columns: [String] = [], rows: [[String?]] = [], affectedRows: Int = 0) {
        self.columns = columns
        self.rows = rows
        self.affectedRows = affectedRows
    }

    public var isEmpty: Bool { rows.isEmpty }
    public var count: Int { rows.count }

    /// The row's cells by column name; the way callers read results without counting columns.
    public func row(_ index: Int) -> Row { Row(columns: columns, values: rows[index]) }

    /// Every row as a ``Row``.
    public var all: [Row] { rows.map { Row(columns: columns, values: $0) } }

    /// One result row with lookup by column name.
    public struct Row: Sendable, Hashable {
        public var columns: [String]
        public var values: [String?]

        /// The text value of `column`, `nil` for SQL NULL or an unknown column.
        public subscript(_ column: String) -> String? {
            guard let index = columns.firstIndex(of: column) else { return nil }
            return values[index]
        }

        /// `column` as an integer, or `unexpectedResult` if it is NULL or not a number.
        public func int(_ column: String) throws(PostgresError) -> Int {
            guard let text = self[column], let value = Int(text) else {
                throw .unexpectedResult("column \(column) is not an integer: \(self[column] ?? "NULL")")
            }
            return value
        }

        /// `column` as a 64-bit integer, `nil` for SQL NULL.
        public func int64(_ column: String) throws(PostgresError) -> Int64? {
            guard let text = self[column] else { return nil }
            guard let value = Int64(text) else {
                throw .unexpectedResult("column \(column) is not an integer: \(text)")
            }
            return value
        }

        /// `column` as a string that must not be NULL.
        public func string(_ column: String) throws(PostgresError) -> String {
            guard let value = self[column] else { throw .unexpectedResult("column \(column) is NULL") }
            return value
        }
    }
}
