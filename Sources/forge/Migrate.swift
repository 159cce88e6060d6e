import ArgumentParser
import ForgePostgres

/// `forge migrate`: creates or updates the Postgres history schema. Safe to run again and from
/// several places at once (the migrator serialises on an advisory lock).
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or update the Postgres history schema.")

    @OptionGroup var postgres: PostgresOptions

    func run() async throws {
        let configuration = try postgres.configuration(command: "forge migrate")
        let client = PostgresClient(configuration: configuration)
        let result: Result<[Int], PostgresError>
        do {
            result = .success(try await Migrator(client: client).migrate())
        } catch {
            result = .failure(error)
        }
        await client.shutdown()
        switch result {
        case .success(let applied) where applied.isEmpty:
            print("schema is up to date")
        case .success(let applied):
            print("applied migrations: \(applied.map(String.init).joined(separator: ", "))")
        case .failure(let error) where error.isUnavailable:
            printError("forge migrate: cannot reach Postgres (\(postgres.setting)): \(error.message)")
            throw ExitCode.failure
        case .failure(let error):
            printError("forge migrate: \(error)")
            throw ExitCode.failure
        }
    }
}
