import Foundation
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs an orchestration command (`kubectl`, `docker compose`) found on PATH without blocking a
/// thread of the cooperative pool.
///
/// The output is read while the command runs: one that prints more than a pipe holds (64 KiB on
/// Linux) blocks writing until somebody reads, so reading only after the exit would wait forever.
/// The read blocks, so it runs on NIO's thread pool for blocking I/O; only the end of the output
/// is kept, for the message of a failure.
package enum ShellCommand {
    /// Characters of the output a failure quotes: the end, where the reason usually is.
    package static let quotedCharacters = 2000

    /// Runs `arguments` (the first is the program); throws with its status and the end of its
    /// output when it fails. A cancelled run kills the command (and what it started) first.
    package static func run(_ arguments: [String]) async throws {
        let command = arguments.joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        do { try process.run() } catch {
            throw LoadError(.process, "cannot run \(command): \(error.localizedDescription)")
        }
        async let tail = outputTail(output.fileHandleForReading, of: command)
        do {
            // Polled: `waitUntilExit()` would block a thread of the cooperative pool.
            while process.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        } catch {
            stop(process)
            throw error
        }
        let text = String(decoding: try await tail, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw LoadError(.process, "\(command) exited \(process.terminationStatus): \(text.suffix(quotedCharacters))")
        }
    }

    /// Kills the command and what it started (`docker` runs `compose` as a child), which would
    /// otherwise keep the output pipe open: its process group where it leads one (Foundation
    /// makes it a group leader on Linux), else itself. SIGKILL, not `terminate()`'s SIGTERM: the
    /// command inherits the signal mask of the thread that started it, and Swift's concurrency
    /// threads block SIGTERM.
    private static func stop(_ process: Process) {
        let pid = process.processIdentifier
        if kill(-pid, SIGKILL) != 0 { kill(pid, SIGKILL) }
    }

    /// The last bytes `handle` yields before its end of file (once the command and anything it
    /// started have closed their ends), enough for ``quotedCharacters`` characters of UTF-8.
    private static func outputTail(_ handle: FileHandle, of command: String) async throws -> [UInt8] {
        let keep = 4 * quotedCharacters
        return try await NIOThreadPool.singleton.runIfActive {
            var kept: [UInt8] = []
            do {
                while let chunk = try handle.read(upToCount: 65_536), !chunk.isEmpty {
                    kept.append(contentsOf: chunk)
                    if kept.count > 2 * keep { kept.removeFirst(kept.count - keep) }
                }
            } catch {
                throw LoadError(.process, "cannot read the output of \(command): \(error.localizedDescription)")
            }
            return Array(kept.suffix(keep))
        }
    }
}
