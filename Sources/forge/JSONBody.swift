/// A JSON object written field by field, so a payload goes to the gateway as the exact text the
/// user gave (a re-encoding would reorder keys, turn `1.0` into `1` and round big integers).
struct JSONBody {
    private var fields: [String] = []

    /// Adds `key` with `value` as a JSON string; nil adds nothing.
    mutating func set(_ key: String, _ value: String?) {
        setRaw(key, value.map(JSONValue.quoted))
    }

    /// Adds `key` with `value` as a JSON number; nil adds nothing.
    mutating func set(_ key: String, _ value: (some BinaryInteger)?) {
        setRaw(key, value.map { String($0) })
    }

    /// Adds `key` with `value` as `true` or `false`; nil adds nothing.
    mutating func set(_ key: String, _ value: Bool?) {
        setRaw(key, value.map { $0 ? "true" : "false" })
    }

    /// Adds `key` with an array of numbers.
    mutating func set(_ key: String, _ values: [some BinaryInteger]) {
        setRaw(key, "[" + values.map { String($0) }.joined(separator: ",") + "]")
    }

    /// Adds `key` with `json`, already valid JSON text, unchanged.
    mutating func setRaw(_ key: String, _ json: String?) {
        guard let json else { return }
        fields.append("\(JSONValue.quoted(key)):\(json)")
    }

    var text: String { "{" + fields.joined(separator: ",") + "}" }
    var bytes: [UInt8] { Array(text.utf8) }
}
