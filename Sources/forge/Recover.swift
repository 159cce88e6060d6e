import ArgumentParser
import ForgeObservability
import ForgePostgres
import ForgeRedis
import ForgeScheduler
import ForgeService

/// `forge recover`: rebuilds in Redis every job Postgres history says has not finished, for a
/// Redis that came back empty or from an old snapshot (``JobRecovery``). Jobs Redis still has are
/// left alone, so it is safe to run at any time and more than once.
struct Recover: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rebuild in Redis, from Postgres history, every unfinished job Redis lost (safe to repeat).",
        discussion: "Pending and scheduled jobs come back as they were, retrying ones at their retry time, and running ones as "
            + "lost leases (the attempt counts: pending again, or dead after their last attempt). A job Redis still has is left "
            + "alone. Transitions not yet archived when Redis lost its data are not in history: such a job comes back as "
            + "history last saw it."
    )

    @OptionGroup var redis: RedisOptions
    @OptionGroup var postgres: PostgresOptions
    @Flag(help: "Print {restored, present} as JSON.") var json = false

    func run() async throws {
        let redisClient = RedisClient(configuration: try redis.configuration(command: "forge recover"))
        let postgresClient = PostgresClient(configuration: try postgres.configuration(command: "forge recover"))
        let recovery = JobRecovery(
            queues: QueueStore(redis: redisClient, keys: KeySpace(namespace: postgres.namespace)),
            history: HistoryStore(client: postgresClient),
            metrics: ForgeMetrics()
        )
        let json = json
        let result: Result<RestoreOutcome, any Error>
        do {
            result = .success(
                try await recovery.run { total in
                    if !json { print("… \(total.restored) restored, \(total.present) still in Redis") }
                }
            )
        } catch {
            result = .failure(error)
        }
        await redisClient.shutdown()
        await postgresClient.shutdown()
        switch result {
        case .success(let outcome):
            if json {
                var body = JSONBody()
                body.set("restored", outcome.restored)
                body.set("present", outcome.present)
                Output.json(body.bytes)
            } else {
                print("recovered \(outcome.restored) jobs from history; \(outcome.present) were still in Redis")
            }
        case .failure(let error as RedisError) where error.isUnavailable:
            printError("forge recover: cannot reach Redis (\(SecretSetting.redisURL.label)): \(error.message)")
            throw ExitCode(CLIExit.unavailable.rawValue)
        case .failure(let error as PostgresError) where error.isUnavailable:
            printError("forge recover: cannot reach Postgres (\(postgres.setting)): \(error.message)")
            throw ExitCode(CLIExit.unavailable.rawValue)
        case .failure(let error):
            printError("forge recover: \(error)")
            throw ExitCode.failure
        }
    }
}
