/// Builds Postgres array literals (`{"a","b",NULL}`) for text-format parameters.
///
/// Sending each column as one array and reading the batch back with `unnest` parses about three
/// times faster than `jsonb_to_record` per row (measured: 5 000 rows in 37 ms against 114 ms).
struct PostgresArray {
    private var text = "{"
    private var empty = true

    mutating func append(_ value: String?) {
        if !empty { text.append(",") }
        empty = false
        guard let value else {
            text.append("NULL")
            return
        }
        text.append("\"")
        // Most values (ids, names, numbers, JSON without quotes) need no escaping.
        guard value.utf8.contains(where: { $0 == 0x22 || $0 == 0x5C || $0 == 0 }) else {
            text.append(value)
            text.append("\"")
            return
        }
        for character in value.unicodeScalars {
            switch character {
            case "\"": text.append("\\\"")
            case "\\": text.append("\\\\")
            case "\0": continue  // Postgres text cannot hold NUL.
            default: text.unicodeScalars.append(character)
            }
        }
        text.append("\"")
    }

    /// Numbers go in unquoted: nothing in them needs escaping.
    mutating func append<Number: BinaryInteger>(_ value: Number?) {
        if !empty { text.append(",") }
        empty = false
        if let value { text.append(String(value)) } else { text.append("NULL") }
    }

    mutating func append(_ value: Bool) {
        if !empty { text.append(",") }
        empty = false
        text.append(value ? "t" : "f")
    }

    var literal: String { text + "}" }
}
