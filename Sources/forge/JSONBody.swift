import Foundation

/// A JSON object written field by field, so a payload goes to the gateway as the exact text the
/// user gave (a re-encoding would reorder keys, turn `1.0` into `1` and round big integers).
struct JSONBody {
    private var fields: [String] = []

    /// Adds `key` with `value` encoded as JSON (string, number, bool); nil adds nothing.
    mutating func set(_ key: String, _ value: Any?) {
        guard let value, let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed]) else { return }
        setRaw(key, String(decoding: data, as: UTF8.self))
    }

    /// Adds `key` with `json`, already valid JSON text, unchanged.
    mutating func setRaw(_ key: String, _ json: String?) {
        guard let json else { return }
        let name =
            (try? JSONSerialization.data(withJSONObject: key, options: [.fragmentsAllowed]))
            .map { String(decoding: $0, as: UTF8.self) } ?? "\"\(key)\""
        fields.append("\(name):\(json)")
    }

    var data: Data { Data(("{" + fields.joined(separator: ",") + "}").utf8) }
}

/// `--payload`: JSON text, `@path` for a file's content, or `-` for standard input.
enum PayloadArgument {
    static func read(_ argument: String?, flag: String = "--payload") throws -> String? {
        guard let argument else { return nil }
        let text: String
        if argument == "-" {
            text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        } else if argument.hasPrefix("@") {
            let path = String(argument.dropFirst())
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CLIError("\(flag): cannot read \(path)", exitCode: .usage)
            }
            text = String(decoding: data, as: UTF8.self)
        } else {
            text = argument
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (try? JSONSerialization.jsonObject(with: Data(trimmed.utf8), options: [.fragmentsAllowed])) != nil else {
            let source = argument == "-" ? "standard input" : argument.hasPrefix("@") ? String(argument.dropFirst()) : "the value"
            throw CLIError("\(flag): \(source) is not valid JSON", exitCode: .usage)
        }
        return trimmed
    }
}
