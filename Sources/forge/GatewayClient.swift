import ArgumentParser
import AsyncHTTPClient
import ForgeCore
import ForgeService
import FoundationEssentials
import NIOCore
import NIOHTTP1

/// `--gateway-url`, `--token`, `--token-file` and `--json`, shared by every subcommand that talks
/// to the gateway.
struct GatewayOptions: ParsableArguments {
    /// `--token` / `--token-file` / `FORGE_API_TOKEN` / `FORGE_API_TOKEN_FILE`, resolved like the
    /// services' secrets (never an ArgumentParser default, which `--help` would print).
    static let tokenSetting = SecretSetting(flag: "--token", variable: "FORGE_API_TOKEN")

    @Option(help: ArgumentHelp("Gateway base URL (env FORGE_GATEWAY_URL).", valueName: "url"))
    var gatewayURL = ProcessInfo.processInfo.environment["FORGE_GATEWAY_URL"] ?? "http://127.0.0.1:8080"

    @Option(
        help: ArgumentHelp(
            "Bearer token (env FORGE_API_TOKEN, else the first of FORGE_API_TOKENS or of the file FORGE_API_TOKENS_FILE).",
            valueName: "token"
        )
    )
    var token: String?

    @Option(
        help: ArgumentHelp(
            "File holding the bearer token, e.g. a mounted secret; keeps it out of the process list (env FORGE_API_TOKEN_FILE).",
            valueName: "path"
        )
    )
    var tokenFile: String?

    @Flag(help: "Print the gateway's JSON response (or problem document) instead of a table.")
    var json = false

    /// The token from the flags or `FORGE_API_TOKEN[_FILE]`, else the first gateway token
    /// (`FORGE_API_TOKENS[_FILE]`, what forge-up exports, so `forge` works inside the gateway's
    /// container).
    func resolvedToken() throws -> String? {
        if let token = try Self.tokenSetting.value(flag: token, file: tokenFile) { return token }
        let tokens = try SecretSetting.apiTokens.value(flag: nil, file: nil)
        return tokens?.split(whereSeparator: { $0 == "," || $0.isNewline }).first
            .map(\.trimmingSpaces)
    }

    func validate() throws {
        guard let url = URL(string: gatewayURL), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw ValidationError("--gateway-url / FORGE_GATEWAY_URL: '\(gatewayURL)' is not an http(s) URL")
        }
        _ = try resolvedToken()
    }

    func client() throws -> GatewayClient { GatewayClient(baseURL: gatewayURL, token: try resolvedToken()) }
}

/// Talks HTTP to `forge-gateway`. Every path segment and query value is percent-encoded here, so
/// no argument can add a parameter (`--queue 'x&limit=5000'`) or a path segment of its own.
///
/// On AsyncHTTPClient, as the worker's `http` handler and forge-load: Foundation's URLSession
/// would bring libcurl into the binary and the image for this one client.
struct GatewayClient {
    var baseURL: String
    var token: String?

    /// The largest answer read: a page of jobs is at most `FORGE_MAX_PAGE_BYTES` (32 MiB at most).
    static let maxResponseBytes = 64 << 20

    /// Sends `method` to the path made of `segments` with `query` (nil values left out);
    /// `body` is JSON text sent as is. A non-2xx answer throws ``CLIError/problem(_:)``.
    func send(
        _ method: String,
        _ segments: [String],
        query: [(String, String?)] = [],
        body: [UInt8]? = nil,
        headers: [String: String] = [:]
    ) async throws -> GatewayResponse {
        let path = URLEncoding.path(segments) + URLEncoding.query(query)
        var base = Substring(baseURL)
        while base.hasSuffix("/") { base = base.dropLast() }
        let url = String(base) + path
        guard URL(string: url) != nil else {
            throw CLIError("--gateway-url / FORGE_GATEWAY_URL: cannot build a URL from \(baseURL)", exitCode: .usage)
        }
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.body = .bytes(ByteBuffer(bytes: body))
            request.headers.add(name: "Content-Type", value: "application/json")
        }
        let result: GatewayResponse
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            let bytes = try await response.body.collect(upTo: Self.maxResponseBytes)
            result = GatewayResponse(status: Int(response.status.code), body: Array(bytes.readableBytesView))
        } catch {
            throw CLIError(
                "cannot reach the gateway at \(baseURL) (--gateway-url / FORGE_GATEWAY_URL): \(error)",
                exitCode: .unavailable
            )
        }
        guard (200..<300).contains(result.status) else { throw CLIError.problem(result) }
        return result
    }
}
