import ArgumentParser
@_exported import ForgeCore
@_exported import ForgeWorker

/// The whole of a worker binary of your own: `forge-worker` with your handlers.
///
/// ```swift
/// import ForgeWorkerRuntime
///
/// @main enum MyWorker {
///     static func main() async {
///         await WorkerProgram.run { handlers in
///             handlers.register(SendEmail.self) { email, job in try await send(email) }
///         }
///     }
/// }
/// ```
///
/// It reads the same flags and `FORGE_*` variables as `forge-worker` (`--help` lists them), logs
/// the same JSON lines, serves the same probes and `/metrics` (port 8082 unless
/// `FORGE_HTTP_PORT`), drains on SIGTERM, and runs the built-in handlers beside yours.
public enum WorkerProgram {
    /// Parses the command line and environment, runs the worker until SIGTERM or SIGINT and
    /// drains; prints a bad setting (naming its flag and variable) or `--help` and exits as
    /// `forge-worker` does.
    public static func run(arguments: [String]? = nil, _ register: @Sendable (inout HandlerRegistry) throws -> Void) async {
        do {
            let command = try ForgeWorkerCommand.parse(arguments)
            try await command.run(register: register)
        } catch {
            ForgeWorkerCommand.exit(withError: error)
        }
    }
}
