import ForgeCore
import FoundationEssentials

/// `--payload`: JSON text, `@path` for a file's content, or `-` for standard input.
enum PayloadArgument {
    /// The JSON text without surrounding whitespace, or nil without the flag; a usage error when
    /// it cannot be read or is not JSON by the gateway's grammar.
    static func read(_ argument: String?, flag: String = "--payload") throws(CLIError) -> String? {
        guard let argument else { return nil }
        let text: String
        if argument == "-" {
            guard case .complete(let bytes) = FileDescriptorIO.readAll(FileDescriptorIO.standardInput) else {
                throw CLIError("\(flag): cannot read standard input", exitCode: .usage)
            }
            text = String(decoding: bytes, as: UTF8.self)
        } else if argument.hasPrefix("@") {
            let path = String(argument.dropFirst())
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CLIError("\(flag): cannot read \(path)", exitCode: .usage)
            }
            text = String(decoding: data, as: UTF8.self)
        } else {
            text = argument
        }
        let trimmed = text.trimmingSpaces
        guard JSONText.isValid(trimmed) else {
            let source = argument == "-" ? "standard input" : argument.hasPrefix("@") ? String(argument.dropFirst()) : "the value"
            throw CLIError("\(flag): \(source) is not valid JSON", exitCode: .usage)
        }
        return trimmed
    }
}
