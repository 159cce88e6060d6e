import Foundation

/// Runs an orchestration command (`kubectl`, `docker compose`) found on PATH and waits for it
/// without blocking a thread of the cooperative pool: the exit is awaited by polling.
enum ShellCommand {
    /// Runs `arguments` (the first is the program); throws with its output when it fails.
    static func run(_ arguments: [String]) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        do { try process.run() } catch {
            throw LoadError(.process, "cannot run \(arguments.joined(separator: " ")): \(error.localizedDescription)")
        }
        while process.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw LoadError(.process, "\(arguments.joined(separator: " ")) exited \(process.terminationStatus): \(text.suffix(2000))")
        }
    }
}
