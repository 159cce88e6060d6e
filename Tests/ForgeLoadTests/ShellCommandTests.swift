import ForgeLoad
import Testing

/// `kubectl` and `docker compose`, as `forge-load scale --kubectl/--compose` runs them.
struct ShellCommandTests {
    /// 1 MiB of output, far past what a pipe holds (64 KiB on Linux).
    static let loud = "head -c 1048576 /dev/zero | tr '\\000' x"

    /// The output used to be read only after the exit: past the pipe buffer the command blocked
    /// writing and forge-load waited for it forever (issue 17, item 13).
    @Test func aCommandPrintingMoreThanAPipeHoldsFinishes() async throws {
        let finished = try await Self.finishes(within: .seconds(60)) {
            try await ShellCommand.run(["sh", "-c", Self.loud])
        }
        #expect(finished, "ShellCommand.run did not return for a command printing 1 MiB")
    }

    @Test func aFailingCommandThrowsWithItsStatusAndTheEndOfItsOutput() async throws {
        let finished = try await Self.finishes(within: .seconds(60)) {
            await #expect {
                try await ShellCommand.run(["sh", "-c", "\(Self.loud); echo; echo last words >&2; exit 3"])
            } throws: { error in
                guard let error = error as? LoadError, error.code == .process else { return false }
                return error.message.hasPrefix("sh -c ") && error.message.contains("exited 3: ")
                    && error.message.hasSuffix("xxx\nlast words\n") && error.message.count < 3000
            }
        }
        #expect(finished)
    }

    @Test func aMissingProgramIsAProcessError() async {
        await #expect {
            try await ShellCommand.run(["forge-no-such-program-\(Int.random(in: 0..<1_000_000))"])
        } throws: { error in
            (error as? LoadError)?.code == .process
        }
    }

    /// A cancelled scaling run must not leave a `kubectl rollout status` behind, nor what the
    /// command started (here `sleep`, a child of `sh`).
    @Test func aCancelledRunKillsItsCommandAndItsChildren() async throws {
        let start = ContinuousClock.now
        let finished = try await Self.finishes(within: .milliseconds(500)) {
            try await ShellCommand.run(["sh", "-c", "sleep 30; echo done"])
        }
        #expect(!finished)
        // `finishes` waits for the cancelled run, which reads until every process holding the
        // output pipe is gone.
        #expect(ContinuousClock.now - start < .seconds(20))
    }

    /// Whether `body` returns within `limit`; a body still running then is cancelled.
    static func finishes(within limit: Duration, _ body: @escaping @Sendable () async throws -> Void) async throws -> Bool {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await body()
                return true
            }
            group.addTask {
                try await Task.sleep(for: limit)
                return false
            }
            let first = try await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}
