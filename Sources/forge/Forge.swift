import ArgumentParser

/// `forge`: the admin CLI. Each subcommand lives in its own file.
@main
struct Forge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forge",
        abstract: "Administer a Forge installation.",
        subcommands: [Migrate.self, Enqueue.self, Status.self, Cancel.self, Queues.self, DeadLetters.self, Schedules.self]
    )
}
