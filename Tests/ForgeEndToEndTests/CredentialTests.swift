import ForgePostgres
import ForgeTestSupport
import Foundation
import Testing

extension OneStackAtATime {
    /// Credentials through configuration, against servers that demand them: a Redis with a password
    /// and an ACL user, a Postgres with scram and md5 roles and TLS. And nowhere a secret in a log.
    @Suite struct CredentialTests {
        @Test func postgresPasswordsAndSSLModesWorkThroughTheURL() async throws {
            let postgres = try PrivatePostgres()
            try postgres.start()
            defer { postgres.stop() }

            for (mode, encrypted) in [("disable", "false"), ("prefer", "true"), ("require", "true")] {
                let client = PostgresClient(
                    configuration: try PostgresConfiguration(url: postgres.url(query: "sslmode=\(mode)"), poolSize: 1)
                )
                let rows = try await client.query("SELECT ssl::text AS ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
                await client.shutdown()
                #expect(rows.rows.first?.first == encrypted, "sslmode=\(mode)")
            }
            let md5 = PostgresClient(
                configuration: try PostgresConfiguration(url: postgres.url(user: "md5user", password: postgres.md5Password), poolSize: 1)
            )
            #expect(await md5.ping())
            await md5.shutdown()

            let wrong = "wrongPw-\(UUID().uuidString.prefix(8))"
            let refused = PostgresClient(configuration: try PostgresConfiguration(url: postgres.url(password: wrong), poolSize: 1))
            await #expect {
                try await refused.query("SELECT 1")
            } throws: { error in
                let error = error as? PostgresError
                let message = error?.message ?? ""
                return error?.code == .connectionFailed && message.contains("password authentication failed")
                    && message.contains("forge:***@") && !message.contains(wrong)
            }
            await refused.shutdown()
            // No root certificate to check the server's against: refused, naming the reason.
            let unverified = PostgresClient(
                configuration: try PostgresConfiguration(
                    url: postgres.url(query: "sslmode=verify-full&sslrootcert=/nonexistent/root.crt"),
                    poolSize: 1
                )
            )
            await #expect(throws: PostgresError.self) { try await unverified.query("SELECT 1") }
            await unverified.shutdown()
        }

        /// Gateway, scheduler and worker with a token, a Redis ACL user and a Postgres password (over
        /// TLS); requests that succeed, fail authentication, and meet a database outage; services
        /// started with wrong passwords. Then every line every process wrote is searched for secrets.
        @Test func servicesAuthenticateAndNoSecretReachesALogLine() async throws {
            let redisPassword = "redisPw-\(UUID().uuidString.prefix(12))"
            // Reserved URL characters, percent-encoded in the URL, as a password manager may produce.
            // (Not `%`: RedisConfiguration decodes the password twice and drops one holding a `%`.)
            let aclPassword = "aclPw@:/?#-\(UUID().uuidString.prefix(12))"
            let encodedACLPassword = aclPassword.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            let redis = try PrivateRedis(arguments: [
                "--requirepass", redisPassword, "--user", "forge-app", "on", ">\(aclPassword)", "~*", "&*", "+@all",
            ])
            try redis.start()
            defer { redis.stop() }
            let postgres = try PrivatePostgres()
            try postgres.start()
            defer { postgres.stop() }
            let token = "tok-\(UUID().uuidString)"
            let wrongRedis = "wrongRedisPw-\(UUID().uuidString.prefix(8))"
            let wrongPostgres = "wrongPgPw-\(UUID().uuidString.prefix(8))"
            let secrets = [token, redisPassword, aclPassword, encodedACLPassword, postgres.password, wrongRedis, wrongPostgres]

            let environment = [
                "FORGE_API_TOKENS": token, "FORGE_REDIS_URL": "redis://forge-app:\(encodedACLPassword)@127.0.0.1:\(redis.port)",
                "FORGE_POSTGRES_URL": postgres.url(query: "sslmode=require"), "FORGE_HTTP_HOST": "127.0.0.1",
                "FORGE_LOG_LEVEL": "debug",
            ]
            var processes: [ServiceProcess] = []
            defer { for process in processes { process.stop() } }
            func start(_ binary: String, _ extra: [String: String] = [:], arguments: [String] = []) throws -> Int {
                let port = try ForgeStack.freePort()
                let process = try ServiceProcess(
                    binary,
                    arguments,
                    environment: environment.merging(extra) { $1 }.merging(["FORGE_HTTP_PORT": String(port)]) { $1 }
                )
                processes.append(process)
                return port
            }

            let migrate = try await ServiceProcess.run("forge", ["migrate"], environment: environment)
            #expect(migrate.status == 0, "\(migrate.output)")
            let gateway = try start("forge-gateway")
            _ = try start("forge-scheduler")
            // The worker authenticates as Redis' default user: `redis://:password@`.
            let worker = try start("forge-worker", ["FORGE_REDIS_URL": "redis://:\(redisPassword)@127.0.0.1:\(redis.port)"])
            try await waitUntil("gateway ready", output: processes[0]) { await ServiceProcess.get(port: gateway, "/readyz")?.status == 200 }
            try await waitUntil("worker ready", output: processes[2]) { await ServiceProcess.get(port: worker, "/readyz")?.status == 200 }

            let stack = try ForgeStack(redisURL: "unused")
            let id = try #require(
                try await stack.request("POST", "/v1/jobs", json: ["type": "noop"], token: .some(token), port: gateway).json["id"] as? String
            )
            try await waitUntil("job archived as completed", output: processes[1]) {
                let reply = await ServiceProcess.get(port: gateway, "/v1/jobs?state=completed", token: token)
                return (reply?.json["jobs"] as? [[String: Any]])?.contains { $0["id"] as? String == id } == true
            }
            for wrongToken in [String(token.dropLast()), aclPassword, token + "x"] {
                #expect(await ServiceProcess.get(port: gateway, "/v1/queues", token: wrongToken)?.status == 401)
            }

            // Wrong passwords: not ready, with the reason in the log, never the password.
            let refused = try start(
                "forge-gateway",
                [
                    "FORGE_REDIS_URL": "redis://forge-app:\(wrongRedis)@127.0.0.1:\(redis.port)",
                    "FORGE_POSTGRES_URL": postgres.url(password: wrongPostgres),
                ]
            )
            try await waitUntil("refused gateway answers", output: processes[3]) {
                await ServiceProcess.get(port: refused, "/readyz")?.status == 503
            }
            let checks = await ServiceProcess.get(port: refused, "/readyz")?.json["checks"] as? [String: Bool]
            #expect(checks?["redis"] == false && checks?["postgres"] == false, "\(String(describing: checks))")
            try await waitUntil("refusals logged", output: processes[3]) {
                processes[3].output.contains("WRONGPASS") && processes[3].output.contains("password authentication failed")
            }

            // A database outage while serving: searches fail with 503, the failure is logged.
            try postgres.pause()
            #expect(await ServiceProcess.get(port: gateway, "/v1/jobs", token: token)?.status == 503)
            try await Task.sleep(for: .milliseconds(1500))

            for service in processes where service.process.isRunning { service.process.terminate() }
            for service in processes { await service.process.exited() }
            for (process, name) in zip(processes, ["gateway", "scheduler", "worker", "refused gateway"]) {
                let lines = process.output.split(separator: "\n")
                #expect(!lines.isEmpty, "\(name) logged nothing")
                for secret in secrets {
                    let leaks = lines.filter { $0.contains(secret) }
                    #expect(leaks.isEmpty, "\(name) logged a secret: \(leaks.prefix(3))")
                }
            }
            #expect(!migrate.output.contains(postgres.password))
        }
    }
}
