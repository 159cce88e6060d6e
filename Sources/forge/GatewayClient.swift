import ArgumentParser
import ForgeObservability
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `--gateway-url`, `--token` and `--json`, shared by every subcommand that talks to the gateway.
struct GatewayOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Gateway base URL (env FORGE_GATEWAY_URL).", valueName: "url"))
    var gatewayURL = ProcessInfo.processInfo.environment["FORGE_GATEWAY_URL"] ?? "http://127.0.0.1:8080"

    @Option(
        help: ArgumentHelp(
            "Bearer token (env FORGE_API_TOKEN, else the first of FORGE_API_TOKENS or of the file FORGE_API_TOKENS_FILE).",
            valueName: "token"
        )
    )
    var token: String?

    /// The flag, else `FORGE_API_TOKEN`, else the first gateway token (`FORGE_API_TOKENS`, what
    /// forge-up exports, or `FORGE_API_TOKENS_FILE`, so `forge` works inside the gateway's container).
    var resolvedToken: String? {
        if let token { return token }
        let env = ProcessInfo.processInfo.environment
        if let token = env["FORGE_API_TOKEN"], !token.isEmpty { return token }
        let tokens = (try? SecretSetting.apiTokens.value(flag: nil, file: nil)) ?? nil
        return tokens?.split(whereSeparator: { $0 == "," || $0.isNewline }).first
            .map { String($0).trimmingCharacters(in: .whitespaces) }
    }

    @Flag(help: "Print the gateway's JSON instead of a table.")
    var json = false

    func validate() throws {
        guard let url = URL(string: gatewayURL), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw ValidationError("--gateway-url / FORGE_GATEWAY_URL: '\(gatewayURL)' is not an http(s) URL")
        }
    }

    var client: GatewayClient { GatewayClient(baseURL: gatewayURL, token: resolvedToken) }
}

/// A response from the gateway: status and parsed JSON body.
struct GatewayResponse {
    var status: Int
    var body: Data
    var json: Any? { try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) }
    var object: [String: Any] { json as? [String: Any] ?? [:] }
}

/// Talks HTTP to `forge-gateway`; problems become one error line naming what the gateway said.
struct GatewayClient {
    var baseURL: String
    var token: String?

    func send(_ method: String, _ path: String, body: Any? = nil) async throws -> GatewayResponse {
        guard let url = URL(string: baseURL.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + path) else {
            throw CLIError("bad URL \(baseURL)\(path)")
        }
        var request = URLRequest(url: url, timeoutInterval: 30)
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.httpBody = try JSONSerialization.data(withJSONObject: body, options: [.fragmentsAllowed])
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response): (Data, URLResponse)
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            throw CLIError("cannot reach the gateway at \(baseURL) (--gateway-url / FORGE_GATEWAY_URL): \(error.localizedDescription)")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        let result = GatewayResponse(status: status, body: data)
        guard (200..<300).contains(status) else { throw CLIError.problem(result) }
        return result
    }
}

/// A failure the CLI reports as one line on stderr and exit code 1.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }

    static func problem(_ response: GatewayResponse) -> CLIError {
        let problem = response.object
        var line = "gateway answered \(response.status)"
        if let title = problem["title"] as? String { line += ": \(title)" }
        if let detail = problem["detail"] as? String { line += " — \(detail)" }
        if let field = problem["field"] as? String { line += " (field: \(field))" }
        if problem.isEmpty, let text = String(data: response.body, encoding: .utf8), !text.isEmpty { line += ": \(text)" }
        return CLIError(line)
    }
}

/// Runs a gateway-backed subcommand body, turning CLIError into a stderr line and exit 1.
func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as CLIError {
        printError("forge: \(error)")
        throw ExitCode.failure
    }
}
