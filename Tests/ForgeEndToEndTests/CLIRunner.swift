import Foundation

/// Runs a built program (the `forge` CLI, `forge-load`) with the environment a test gives it (no
/// inherited `FORGE_*`), an optional standard input, and its stdout and stderr kept apart.
struct CLIRun {
    var status: Int32
    var stdout: String
    var stderr: String

    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(stdout.utf8))) as? [String: Any] ?? [:]
    }

    static func forge(_ arguments: [String], environment: [String: String] = [:], stdin: String? = nil) async throws -> CLIRun {
        try await program("forge", arguments, environment: environment, stdin: stdin)
    }

    /// Runs the executable `name` from the build directory to completion.
    static func program(
        _ name: String,
        _ arguments: [String],
        environment: [String: String] = [:],
        stdin: String? = nil
    ) async throws -> CLIRun {
        let process = Process()
        process.executableURL = ForgeStack.binDirectory.appendingPathComponent(name)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("FORGE_") }
            .merging(environment) { $1 }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("forge-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("out")
        let err = directory.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        let input = Pipe()
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        await process.exited()
        return CLIRun(
            status: process.terminationStatus,
            stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? ""
        )
    }
}

extension ForgeStack {
    /// `forge` pointed at this stack's gateway with its token.
    func cli(_ arguments: [String], environment: [String: String] = [:], stdin: String? = nil) async throws -> CLIRun {
        try await CLIRun.forge(
            arguments,
            environment: ["FORGE_GATEWAY_URL": "http://127.0.0.1:\(gatewayPort)", "FORGE_API_TOKEN": token]
                .merging(environment) { $1 },
            stdin: stdin
        )
    }
}

extension Process {
    /// Waits for the process to end without holding a thread: tests run on the cooperative pool,
    /// which has one thread per core, and `waitUntilExit()` there stalls every test beside it.
    func exited() async {
        while isRunning { try? await Task.sleep(for: .milliseconds(10)) }
    }
}
