import FoundationEssentials
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
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else {
            throw LoadError(.process, "cannot run \(command): no pipe for its output (errno \(errno))")
        }
        // Close-on-exec (ChildProcess also closes every other descriptor in the child).
        _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
        let (reading, writing) = (ends[0], ends[1])
        let process: ChildProcess
        do {
            process = try ChildProcess(
                executable: "/usr/bin/env",
                arguments: arguments,
                environment: ProcessInfo.processInfo.environment,
                output: writing,
                newProcessGroup: true
            )
        } catch {
            close(reading)
            close(writing)
            throw error
        }
        // Only the command holds the writing end now, so the read ends when it (and what it
        // started) closes it.
        close(writing)
        async let tail = outputTail(reading, of: command)
        do {
            // Polled: waiting in waitpid would block a thread of the cooperative pool.
            while process.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        } catch {
            // SIGKILL, not SIGTERM: `docker` runs `compose` as a child, which would keep the
            // output pipe open; the whole group goes.
            process.signalGroup(SIGKILL)
            _ = try? await tail
            throw error
        }
        let text = String(decoding: try await tail, as: UTF8.self)
        let code = process.exitCode ?? -1
        guard code == 0 else {
            throw LoadError(.process, "\(command) exited \(code): \(text.suffix(quotedCharacters))")
        }
    }

    /// The last bytes `descriptor` yields before its end of file (once the command and anything
    /// it started have closed their ends), enough for ``quotedCharacters`` characters of UTF-8.
    /// Closes the descriptor.
    private static func outputTail(_ descriptor: Int32, of command: String) async throws -> [UInt8] {
        let keep = 4 * quotedCharacters
        return try await NIOThreadPool.singleton.runIfActive {
            defer { close(descriptor) }
            var kept: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count == 0 { break }
                if count < 0 {
                    if errno == EINTR { continue }
                    throw LoadError(.process, "cannot read the output of \(command) (errno \(errno))")
                }
                kept.append(contentsOf: chunk[..<count])
                if kept.count > 2 * keep { kept.removeFirst(kept.count - keep) }
            }
            return Array(kept.suffix(keep))
        }
    }
}
