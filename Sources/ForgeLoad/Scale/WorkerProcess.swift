import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One `forge-worker` child process.
///
/// `@unchecked Sendable` because Foundation's `Process` is not marked Sendable; this type only
/// touches it through `processIdentifier`, `isRunning` and `kill(2)` after `run()` returned,
/// which read state the process object guards itself, and it never mutates its own fields.
final class WorkerProcess: @unchecked Sendable {
    let name: String
    let port: Int
    private let process: Process

    /// Starts `binary` with `arguments`, listening on `port`, output appended to `log`.
    init(name: String, binary: URL, arguments: [String], port: Int, environment: [String: String], log: URL) throws {
        self.name = name
        self.port = port
        process = Process()
        process.executableURL = binary
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        env["FORGE_HTTP_PORT"] = String(port)
        env["FORGE_HTTP_HOST"] = "127.0.0.1"
        process.environment = env
        if !FileManager.default.fileExists(atPath: log.path) {
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        }
        do {
            let handle = try FileHandle(forWritingTo: log)
            handle.seekToEndOfFile()
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
        } catch {
            throw LoadError(.process, "cannot start \(binary.path): \(error.localizedDescription)")
        }
    }

    var isRunning: Bool { process.isRunning }
    var pid: Int32 { process.processIdentifier }

    /// SIGTERM (the worker drains), then SIGKILL if it is still running after `grace`.
    func stop(grace: Duration) async {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = ContinuousClock.now + grace
        while process.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        while process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
    }
}
