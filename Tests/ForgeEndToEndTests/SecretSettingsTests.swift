import Foundation
import Testing

/// How the binaries take secrets: never echoed by `--help`, and readable from `*_FILE` files
/// (how Docker and Kubernetes mount secrets), with errors that name the setting.
@Suite(.serialized) struct SecretSettingsTests {
    static let secrets = [
        "FORGE_API_TOKENS": "tok-SECRET-1,tok-SECRET-2",
        "FORGE_API_TOKEN": "tok-SECRET-3",
        "FORGE_REDIS_URL": "redis://:redis-SECRET@127.0.0.1:1",
        "FORGE_POSTGRES_URL": "postgres://forge:pg-SECRET@127.0.0.1:1/forge",
    ]

    @Test(arguments: [
        ["forge-gateway", "--help"], ["forge-scheduler", "--help"], ["forge-worker", "--help"],
        ["forge-bench", "--help"], ["forge", "migrate", "--help"], ["forge", "enqueue", "--help"],
        ["forge", "status", "--help"],
    ])
    func helpNeverPrintsSecretsFromTheEnvironment(_ command: [String]) async throws {
        let (status, output) = try await ServiceProcess.run(command[0], Array(command.dropFirst()), environment: Self.secrets)
        #expect(status == 0, "\(output)")
        #expect(output.contains("--"), "no help text: \(output)")
        #expect(!output.contains("SECRET"), "\(command.joined(separator: " ")) printed a secret:\n\(output)")
    }

    @Test func gatewayReadsTokensAndURLsFromFiles() async throws {
        try await withEmptySchema { schema, postgresURL in
            // Trailing newlines, as `echo … > file` and most secret stores write them.
            let tokens = try secretFile("file-token-aaaaaaaa\nfile-token-bbbbbbbb\n")
            let redis = try secretFile(ForgeStack.redisURL + "\n")
            let postgres = try secretFile(postgresURL + "\n")
            defer { for url in [tokens, redis, postgres] { try? FileManager.default.removeItem(at: url) } }

            let migrate = try await ServiceProcess.run(
                "forge",
                ["migrate"],
                environment: [
                    "FORGE_POSTGRES_URL_FILE": postgres.path, "FORGE_NAMESPACE": schema,
                ]
            )
            #expect(migrate.status == 0, "\(migrate.output)")

            let port = try ForgeStack.freePort()
            let gateway = try ServiceProcess(
                "forge-gateway",
                environment: [
                    "FORGE_API_TOKENS_FILE": tokens.path, "FORGE_REDIS_URL_FILE": redis.path,
                    "FORGE_POSTGRES_URL_FILE": postgres.path, "FORGE_HTTP_HOST": "127.0.0.1", "FORGE_HTTP_PORT": String(port),
                    "FORGE_NAMESPACE": schema,
                ]
            )
            defer { gateway.stop() }
            try await waitUntil("gateway ready", output: gateway) { await ServiceProcess.get(port: port, "/readyz")?.status == 200 }
            #expect(await ServiceProcess.get(port: port, "/v1/queues", token: "file-token-bbbbbbbb")?.status == 200)
            #expect(await ServiceProcess.get(port: port, "/v1/queues", token: "file-token-aaaaaaaa")?.status == 200)
            #expect(await ServiceProcess.get(port: port, "/v1/queues", token: "file-token-cccccccc")?.status == 401)
        }
    }

    @Test(arguments: ["forge-gateway", "forge-scheduler", "forge-worker"])
    func unreadableSecretFileIsRefusedNamingTheSetting(_ binary: String) async throws {
        let missing = "/nonexistent/forge-secret"
        let (status, output) = try await ServiceProcess.run(
            binary,
            environment: [
                "FORGE_REDIS_URL_FILE": missing, "FORGE_API_TOKENS": "t",
            ]
        )
        #expect(status != 0)
        #expect(output.contains("FORGE_REDIS_URL_FILE: cannot read \(missing)"), "\(output)")
    }

    @Test func shortTokensAreRefusedWithoutPrintingThem() async throws {
        let short = "tok-SECRET-5"
        let (status, output) = try await ServiceProcess.run(
            "forge-gateway",
            environment: [
                "FORGE_API_TOKENS": "a-long-enough-token-0123456789,\(short)"
            ]
        )
        #expect(status != 0)
        #expect(output.contains("FORGE_API_TOKENS"), "\(output)")
        #expect(output.contains("token 2 of 2 is 12 bytes long") && output.contains("at least 16 bytes"), "\(output)")
        #expect(!output.contains("SECRET"), "\(output)")
    }

    @Test func migrateRefusesAnUnreadablePostgresURLFile() async throws {
        let (status, output) = try await ServiceProcess.run("forge", ["migrate"], environment: ["FORGE_POSTGRES_URL_FILE": "/nonexistent/pg"])
        #expect(status != 0)
        #expect(output.contains("FORGE_POSTGRES_URL_FILE: cannot read /nonexistent/pg"), "\(output)")
    }

    @Test func aSettingAndItsFileTogetherAreRefused() async throws {
        let tokens = try secretFile("t\n")
        defer { try? FileManager.default.removeItem(at: tokens) }
        let (status, output) = try await ServiceProcess.run(
            "forge-gateway",
            environment: [
                "FORGE_API_TOKENS": "t", "FORGE_API_TOKENS_FILE": tokens.path,
            ]
        )
        #expect(status != 0)
        #expect(output.contains("FORGE_API_TOKENS and FORGE_API_TOKENS_FILE"), "\(output)")
    }
}

/// Polls `condition` every 50 ms for up to 30 s; fails with the process's output.
func waitUntil(_ what: String, output process: ServiceProcess, _ condition: () async -> Bool) async throws {
    let deadline = Date().addingTimeInterval(30)
    while Date() < deadline {
        if await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw StackError("timed out waiting for \(what)\n\(process.output.suffix(3000))")
}
