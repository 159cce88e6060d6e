import ArgumentParser
import FoundationEssentials

/// A setting that may hold a secret (API tokens, a URL with a password), resolved in code rather
/// than as an ArgumentParser default: a default is printed by `--help`, and one filled from the
/// environment would print the secret to anyone who asks for help (or to a CI log).
///
/// The value comes from, in order: the flag (`--redis-url`), the file the file flag names
/// (`--redis-url-file`), the variable (`FORGE_REDIS_URL`), the file the `_FILE` variable names
/// (`FORGE_REDIS_URL_FILE`, how Docker and Kubernetes hand secrets to a container), else nothing.
/// A file's trailing newline is dropped (`echo token > file` is the common way to write one).
public struct SecretSetting: Sendable, Hashable {
    /// The flag, e.g. `--redis-url`; its file flag is the same with `-file` appended.
    public let flag: String
    /// The variable, e.g. `FORGE_REDIS_URL`; its file variable is the same with `_FILE` appended.
    public let variable: String

    public init(flag: String, variable: String) {
        self.flag = flag
        self.variable = variable
    }

    public static let redisURL = SecretSetting(flag: "--redis-url", variable: "FORGE_REDIS_URL")
    public static let postgresURL = SecretSetting(flag: "--postgres-url", variable: "FORGE_POSTGRES_URL")
    public static let apiTokens = SecretSetting(flag: "--api-tokens", variable: "FORGE_API_TOKENS")

    public var fileFlag: String { flag + "-file" }
    public var fileVariable: String { variable + "_FILE" }
    /// How errors name the setting, e.g. `--redis-url / FORGE_REDIS_URL`.
    public var label: String { "\(flag) / \(variable)" }

    /// The value from the flags or the environment, or `nil` when none of them is set.
    ///
    /// Throws a `ValidationError` naming the setting when two sources of the same kind are both
    /// set (which one wins would be a guess) or a file cannot be read or is empty.
    public func value(
        flag flagValue: String?,
        file fileValue: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> String? {
        let flagValue = flagValue.flatMap { $0.isEmpty ? nil : $0 }
        let fileValue = fileValue.flatMap { $0.isEmpty ? nil : $0 }
        if flagValue != nil && fileValue != nil {
            throw ValidationError("\(flag) and \(fileFlag): give one of them, not both")
        }
        if let flagValue { return flagValue }
        if let fileValue { return try Self.read(fileValue, setting: fileFlag) }
        let variableValue = environment[variable].flatMap { $0.isEmpty ? nil : $0 }
        let fileVariableValue = environment[fileVariable].flatMap { $0.isEmpty ? nil : $0 }
        if variableValue != nil && fileVariableValue != nil {
            throw ValidationError("\(variable) and \(fileVariable): set one of them, not both")
        }
        if let variableValue { return variableValue }
        if let fileVariableValue { return try Self.read(fileVariableValue, setting: fileVariable) }
        return nil
    }

    /// A secret file's content without its trailing line break.
    static func read(_ path: String, setting: String) throws -> String {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ValidationError("\(setting): cannot read \(path): no such file")
        }
        // A directory reads as nil too (EISDIR).
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("\(setting): cannot read \(path): not a readable file")
        }
        guard var text = String(data: data, encoding: .utf8) else {
            throw ValidationError("\(setting): \(path) is not UTF-8 text")
        }
        while let last = text.last, last == "\n" || last == "\r" || last == "\r\n" { text.removeLast() }
        guard !text.isEmpty else { throw ValidationError("\(setting): \(path) is empty") }
        return text
    }
}
