import ForgeCore
import FoundationEssentials

/// Where the bearer token comes from: `--token`, else `--token-file`, else `FORGE_API_TOKEN`,
/// else the first of `FORGE_API_TOKENS` (what `scripts/forge-up` exports), else the first line
/// of `FORGE_API_TOKENS_FILE`.
public enum APIToken {
    public static func resolve(
        flag: String?,
        file: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(LoadError) -> String? {
        if let flag, !flag.isEmpty { return flag }
        if let file { return try read(file, setting: "--token-file") }
        if let token = environment["FORGE_API_TOKEN"], !token.isEmpty { return token }
        if let tokens = environment["FORGE_API_TOKENS"], let first = firstToken(tokens) { return first }
        if let file = environment["FORGE_API_TOKENS_FILE"], !file.isEmpty { return try read(file, setting: "FORGE_API_TOKENS_FILE") }
        return nil
    }

    private static func firstToken(_ list: String) -> String? {
        list.split(separator: ",").map { $0.trimmingSpaces }.first { !$0.isEmpty }
    }

    private static func read(_ path: String, setting: String) throws(LoadError) -> String {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw .invalid(setting, "cannot read \(path)")
        }
        guard let token = firstToken(text.split(whereSeparator: \.isNewline).first.map(String.init) ?? "") else {
            throw .invalid(setting, "\(path) holds no token")
        }
        return token
    }
}
