import ArgumentParser

/// `forge`: the admin CLI. Each subcommand lives in its own file.
public struct Forge: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "forge",
        abstract: "Administer a Forge installation.",
        discussion: CLIExit.help,
        subcommands: [
            Migrate.self, Recover.self, Enqueue.self, Status.self, Cancel.self, Jobs.self, Queues.self, DeadLetters.self, Schedules.self,
        ]
    )

    public init() {}

    /// ArgumentParser's own entry point, except that a usage error exits 2 (as documented in
    /// ``CLIExit``) instead of its 64.
    public static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                printError(fullMessage(for: error))
                // An `ExitCode` error prints nothing more: only the status changes.
                exit(withError: ExitCode(CLIExit.usage.rawValue))
            }
            exit(withError: error)
        }
    }
}
