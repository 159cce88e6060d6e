import ForgeCore
import Hummingbird

/// Reads query parameters by name, refusing unknown ones and naming the parameter in every error,
/// like ``ObjectReader`` does for bodies: a parameter given twice, or with an empty value, is a
/// 400 too (leave a parameter out for "any"), so no value is silently dropped.
struct QueryReader {
    private var values: [String: String] = [:]
    private var read: Set<String> = []

    /// - Parameter ignoringEmpty: drop parameters with an empty value, as an HTML form sends every
    ///   field it has, filled or not (Forge Web's filters).
    init(_ request: Request, ignoringEmpty: Bool = false) throws(ValidationError) {
        for (key, value) in request.uri.queryParameters where !(ignoringEmpty && value.isEmpty) {
            guard values.updateValue(String(value), forKey: String(key)) == nil else {
                throw ValidationError(field: String(key), reason: "is given more than once")
            }
        }
    }

    /// The value, or `nil` when the parameter is absent.
    mutating func string(_ key: String) throws(ValidationError) -> String? {
        read.insert(key)
        guard let value = values[key] else { return nil }
        guard !value.isEmpty else { throw ValidationError(field: key, reason: "must not be empty (leave it out instead)") }
        return value
    }

    /// An integer within `range`, else `fallback` when absent.
    mutating func int(_ key: String, in range: ClosedRange<Int>, default fallback: Int) throws(ValidationError) -> Int {
        guard let text = try string(key) else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw ValidationError(field: key, reason: "must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// An RFC 3339 time as Unix milliseconds.
    mutating func time(_ key: String) throws(ValidationError) -> Int64? {
        guard let text = try string(key) else { return nil }
        guard let ms = RFC3339.parse(text) else {
            throw ValidationError(field: key, reason: "must be an RFC 3339 time such as 2030-01-01T12:00:00Z")
        }
        return ms
    }

    /// A parameter's value as given, without marking it read (a page echoing its filters).
    func peek(_ key: String) -> String? { values[key] }

    func finish() throws(ValidationError) {
        if let unknown = values.keys.filter({ !read.contains($0) }).sorted().first {
            throw ValidationError(field: unknown, reason: "is not a known query parameter")
        }
    }
}
