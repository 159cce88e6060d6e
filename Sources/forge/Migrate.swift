import ArgumentParser
import ForgePostgres

/// `forge migrate`: creates or updates the Postgres history schema. Safe to run again and from
/// several places at once (the migrator serialises on an advisory lock).
///
/// History lives in the schema named by the namespace. A release before that kept it wherever the
/// URL's search path pointed (usually `public`); migrate moves those tables into the namespace's
/// schema when the old place is surely this installation's: the namespace is the default one, or
/// the URL names that search path itself. A second installation added beside an old one (another
/// namespace, a plain URL) starts empty instead of taking the first one's history.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create or update the Postgres history schema (the schema named by the namespace)."
    )

    @OptionGroup var postgres: PostgresOptions
    @Flag(help: "Print {schema, moved_from, applied} as JSON.") var json = false

    func run() async throws {
        let configuration = try postgres.configuration(command: "forge migrate")
        let client = PostgresClient(configuration: configuration)
        let migrator = Migrator(client: client)
        let adopt = postgres.namespace == "forge" || configuration.urlSetsSearchPath
        let schema = configuration.schema ?? ""
        var movedFrom: String?
        let result: Result<[Int], PostgresError>
        do {
            if adopt { movedFrom = try await migrator.adoptLegacyTables() }
            result = .success(try await migrator.migrate())
        } catch {
            result = .failure(error)
        }
        await client.shutdown()
        switch result {
        case .success(let applied):
            if json {
                var body = JSONBody()
                body.set("schema", schema)
                if let movedFrom { body.set("moved_from", movedFrom) } else { body.setRaw("moved_from", "null") }
                body.set("applied", applied)
                Output.json(body.bytes)
                return
            }
            if let movedFrom { print("moved the history tables from schema \(movedFrom) to \(schema)") }
            print(
                applied.isEmpty
                    ? "schema \(schema) is up to date" : "schema \(schema): applied migrations \(applied.map(String.init).joined(separator: ", "))"
            )
        case .failure(let error) where error.isUnavailable:
            printError("forge migrate: cannot reach Postgres (\(postgres.setting)): \(error.message)")
            throw ExitCode(CLIExit.unavailable.rawValue)
        case .failure(let error):
            printError("forge migrate: \(error)")
            throw ExitCode.failure
        }
    }
}
