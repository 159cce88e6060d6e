import ArgumentParser
import ForgeRedis
import ForgeService

/// `--redis-url` and `--redis-url-file`, for the subcommands that talk to Redis directly.
///
/// No ArgumentParser default for the URL: it may hold a password, which `--help` would print.
struct RedisOptions: ParsableArguments {
    @Option(
        name: .customLong("redis-url"),
        help: ArgumentHelp(
            "redis:// or redis+cluster:// URL of the live queues.",
            discussion: "Defaults to FORGE_REDIS_URL (or the file FORGE_REDIS_URL_FILE names), else \(ServiceOptions.defaultRedisURL).",
            valueName: "url"
        )
    )
    var url: String?

    @Option(
        name: .customLong("redis-url-file"),
        help: ArgumentHelp("File holding the Redis URL, e.g. a mounted secret.", valueName: "path")
    )
    var urlFile: String?

    func validate() throws {
        _ = try SecretSetting.redisURL.value(flag: url, file: urlFile)
    }

    /// A validated configuration; a bad URL prints an error naming the setting and exits 1.
    func configuration(command: String, poolSize: Int = 4) throws -> RedisConfiguration {
        let value = try SecretSetting.redisURL.value(flag: url, file: urlFile) ?? ServiceOptions.defaultRedisURL
        do {
            return try RedisConfiguration(url: value, setting: SecretSetting.redisURL.label, poolSize: poolSize)
        } catch {
            printError("\(command): \(error.message)")
            throw ExitCode.failure
        }
    }
}
