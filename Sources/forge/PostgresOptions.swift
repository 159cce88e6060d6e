import ArgumentParser
import ForgePostgres
import Foundation

/// `--postgres-url`, shared by every subcommand that talks to Postgres.
struct PostgresOptions: ParsableArguments {
    @Option(
        name: .customLong("postgres-url"),
        help: ArgumentHelp(
            "libpq URI of the history database.",
            discussion: "Defaults to FORGE_POSTGRES_URL, else \(PostgresConfiguration.defaultURL).",
            valueName: "url"
        )
    )
    var url: String?

    /// The setting the URL came from, for error messages.
    var setting: String { url == nil ? "FORGE_POSTGRES_URL" : "--postgres-url" }

    /// A validated configuration; a bad URL prints an error naming the setting and exits 1.
    func configuration(command: String, poolSize: Int = 1) throws -> PostgresConfiguration {
        let value = url ?? ProcessInfo.processInfo.environment["FORGE_POSTGRES_URL"] ?? PostgresConfiguration.defaultURL
        do {
            return try PostgresConfiguration(url: value, poolSize: poolSize, setting: setting)
        } catch {
            printError("\(command): \(error.message)")
            throw ExitCode.failure
        }
    }
}
