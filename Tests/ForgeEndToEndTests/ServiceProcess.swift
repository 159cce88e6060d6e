import ForgePostgres
import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// One built Forge binary run with exactly the environment a test gives it (no inherited
/// `FORGE_*` settings), for tests of how the binaries read their configuration.
final class ServiceProcess: @unchecked Sendable {
    let process = Process()
    let logURL: URL

    /// Starts `binary` with `arguments` and `environment` (added to a `FORGE_*`-free copy of ours).
    init(_ binary: String, _ arguments: [String] = [], environment: [String: String]) throws {
        logURL = FileManager.default.temporaryDirectory.appendingPathComponent("forge-\(binary)-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        process.executableURL = ForgeStack.binDirectory.appendingPathComponent(binary)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("FORGE_") }
            .merging(environment) { $1 }
        let handle = try FileHandle(forWritingTo: logURL)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    /// Runs `binary` to completion; its exit status and everything it printed.
    static func run(
        _ binary: String,
        _ arguments: [String] = [],
        environment: [String: String] = [:]
    ) async throws -> (status: Int32, output: String) {
        let service = try ServiceProcess(binary, arguments, environment: environment)
        await service.process.exited()
        return (service.process.terminationStatus, service.output)
    }

    var output: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    /// SIGTERM, wait, and remove the log.
    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: logURL)
    }

    /// GET `path` on 127.0.0.1:`port`: status and JSON body, or nil while nothing answers.
    static func get(port: Int, _ path: String, token: String? = nil) async -> (status: Int, json: [String: Any])? {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!, timeoutInterval: 5)
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        guard let (data, response) = try? await URLSession.shared.data(for: request),
            let http = response as? HTTPURLResponse
        else { return nil }
        return (http.statusCode, (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:])
    }
}

/// A file holding `content` in a fresh temp directory, removed by the caller.
func secretFile(_ content: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("forge-secret-\(UUID().uuidString)")
    try content.write(to: url, atomically: true, encoding: .utf8)
    return url
}

/// Runs `body` with a new, empty Postgres schema (no migrations) and the database's URL, dropped
/// afterwards; a process uses the schema when its `FORGE_NAMESPACE` is the schema's name.
func withEmptySchema(_ body: (_ schema: String, _ postgresURL: String) async throws -> Void) async throws {
    let schema = "cfg_\(UUID().uuidString.prefix(8).lowercased())"
    let client = PostgresClient(
        configuration: try PostgresConfiguration(url: ForgeStack.postgresURL, poolSize: 1, schema: schema, createSchema: true)
    )
    _ = try await client.query("SELECT 1")
    let result: Result<Void, any Error>
    do {
        try await body(schema, ForgeStack.postgresURL)
        result = .success(())
    } catch {
        result = .failure(error)
    }
    _ = try? await client.query("DROP SCHEMA \(schema) CASCADE")
    await client.shutdown()
    try result.get()
}
