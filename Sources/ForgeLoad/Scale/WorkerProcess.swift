import FoundationEssentials

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One `forge-worker` child process.
final class WorkerProcess: Sendable {
    let name: String
    let port: Int
    private let process: ChildProcess

    /// Starts `binary` with `arguments`, listening on `port`, output appended to `log`.
    init(name: String, binary: URL, arguments: [String], port: Int, environment: [String: String], log: URL) throws {
        self.name = name
        self.port = port
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        env["FORGE_HTTP_PORT"] = String(port)
        env["FORGE_HTTP_HOST"] = "127.0.0.1"
        let output = open(log.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard output >= 0 else {
            throw LoadError(.process, "cannot start \(binary.path): cannot open its log \(log.path) (errno \(errno))")
        }
        defer { close(output) }
        process = try ChildProcess(executable: binary.path, arguments: arguments, environment: env, output: output)
    }

    var isRunning: Bool { process.isRunning }
    var pid: Int32 { process.pid }

    /// SIGTERM (the worker drains), then SIGKILL if it is still running after `grace`.
    func stop(grace: Duration) async {
        guard process.isRunning else { return }
        process.signal(SIGTERM)
        let deadline = ContinuousClock.now + grace
        while process.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        process.signal(SIGKILL)
        while process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
    }
}
