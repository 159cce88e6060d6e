import ForgeLoad
import Foundation
import Testing

/// The worker processes of `forge-load scale`, started without Foundation's `Process`.
struct ChildProcessTests {
    @Test func itsExitCodeAndOutputComeBack() async throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("child-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: log) }
        let output = open(log.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        try #require(output >= 0)
        let child = try ChildProcess(
            executable: "/bin/sh",
            arguments: ["-c", "echo \"$FORGE_CHILD_TEST\"; echo oops >&2; exit 3"],
            environment: ["FORGE_CHILD_TEST": "from the parent"],
            output: output
        )
        close(output)
        try await Self.waitForExit(child)
        #expect(child.exitCode == 3)
        #expect(try String(contentsOf: log, encoding: .utf8) == "from the parent\noops\n")
    }

    /// Swift's concurrency threads block SIGTERM, and a child inherits the mask of the thread
    /// that starts it: a worker started that way would never hear the SIGTERM that asks it to
    /// drain. The child starts with nothing blocked.
    @Test func aChildStartedFromATaskHearsSIGTERM() async throws {
        let child = try await Task.detached {
            var blocked = sigset_t()
            sigemptyset(&blocked)
            sigaddset(&blocked, SIGTERM)
            pthread_sigmask(SIG_BLOCK, &blocked, nil)
            defer { pthread_sigmask(SIG_UNBLOCK, &blocked, nil) }
            return try ChildProcess(
                executable: "/bin/sh",
                arguments: ["-c", "trap 'exit 7' TERM; while :; do sleep 0.05; done"],
                environment: [:],
                output: 2
            )
        }.value
        try await Task.sleep(for: .milliseconds(300))
        child.signal(SIGTERM)
        try await Self.waitForExit(child)
        #expect(child.exitCode == 7)
    }

    /// A descriptor the parent opened without close-on-exec (as a listening socket may be) stays
    /// out of the child: a worker holding its parent's socket on a port would keep that port
    /// taken (seen as "Address already in use" from the worker given it).
    @Test func theChildInheritsNoOtherDescriptor() async throws {
        let open = Foundation.open("/dev/null", O_RDONLY)
        try #require(open > 2)
        defer { close(open) }
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("child-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: log) }
        let output = Foundation.open(log.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        try #require(output >= 0)
        let child = try ChildProcess(
            executable: "/bin/sh",
            arguments: ["-c", "if [ -e /proc/self/fd/\(open) ]; then echo inherited; else echo clean; fi"],
            environment: [:],
            output: output
        )
        close(output)
        try await Self.waitForExit(child)
        #expect(try String(contentsOf: log, encoding: .utf8) == "clean\n")
    }

    @Test func aMissingProgramIsAProcessError() {
        #expect {
            try ChildProcess(executable: "/nonexistent/forge-worker", arguments: [], environment: [:], output: 2)
        } throws: { error in
            (error as? LoadError)?.code == .process && "\(error)".contains("/nonexistent/forge-worker")
        }
    }

    private static func waitForExit(_ child: ChildProcess) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while child.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(!child.isRunning)
    }
}
