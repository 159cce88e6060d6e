import FoundationEssentials

/// Writes reports to the files `--json` and `--svg` name.
public enum ReportFiles {
    /// Pretty, sorted, snake_case JSON: stable enough to diff two runs.
    public static func json<T: Encodable>(_ value: T) throws(LoadError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "+Inf", negativeInfinity: "-Inf", nan: "NaN")
        do { return try encoder.encode(value) } catch { throw LoadError(.output, "cannot encode the report: \(error)") }
    }

    public static func write(_ data: Data, to path: String, flag: String) throws(LoadError) {
        do {
            try data.write(to: URL(fileURLWithPath: path))
        } catch {
            throw LoadError(.output, "\(flag): cannot write \(path): \(error)")
        }
    }

    public static func write(_ text: String, to path: String, flag: String) throws(LoadError) {
        try write(Data(text.utf8), to: path, flag: flag)
    }
}
