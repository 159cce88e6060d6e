import ArgumentParser
import ForgePostgres
import ForgeService
import FoundationEssentials

/// `--postgres-url`, `--postgres-url-file` and `--namespace`, shared by every subcommand that
/// talks to Postgres.
///
/// No ArgumentParser default for the URL: it may hold a password, which `--help` would print.
struct PostgresOptions: ParsableArguments {
    @Option(
        name: .customLong("postgres-url"),
        help: ArgumentHelp(
            "libpq URI of the history database.",
            discussion: "Defaults to FORGE_POSTGRES_URL (or the file FORGE_POSTGRES_URL_FILE names), else \(PostgresConfiguration.defaultURL).",
            valueName: "url"
        )
    )
    var url: String?

    @Option(
        name: .customLong("postgres-url-file"),
        help: ArgumentHelp("File holding the libpq URI, e.g. a mounted secret.", valueName: "path")
    )
    var urlFile: String?

    @Option(
        help: ArgumentHelp(
            "Installation whose history to use: its Postgres schema (env FORGE_NAMESPACE; default forge).",
            valueName: "namespace"
        )
    )
    var namespace = ProcessInfo.processInfo.environment["FORGE_NAMESPACE"].flatMap { $0.isEmpty ? nil : $0 } ?? "forge"

    /// The setting the URL came from, for error messages.
    var setting: String {
        let environment = ProcessInfo.processInfo.environment
        if url != nil { return "--postgres-url" }
        if urlFile != nil { return "--postgres-url-file" }
        if environment["FORGE_POSTGRES_URL", default: ""].isEmpty && !environment["FORGE_POSTGRES_URL_FILE", default: ""].isEmpty {
            return "FORGE_POSTGRES_URL_FILE"
        }
        return "FORGE_POSTGRES_URL"
    }

    func validate() throws {
        _ = try SecretSetting.postgresURL.value(flag: url, file: urlFile)
        try ServiceOptions.validate(namespace: namespace)
    }

    /// A validated configuration; a bad URL prints an error naming the setting and exits 1.
    func configuration(command: String, poolSize: Int = 1) throws -> PostgresConfiguration {
        let value = try SecretSetting.postgresURL.value(flag: url, file: urlFile) ?? PostgresConfiguration.defaultURL
        do {
            return try PostgresConfiguration(
                url: value,
                poolSize: poolSize,
                schema: PostgresConfiguration.schema(forNamespace: namespace),
                setting: setting
            )
        } catch {
            printError("\(command): \(error.message)")
            throw ExitCode.failure
        }
    }
}
