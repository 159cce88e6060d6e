import Foundation
import Testing

/// Gateway and scheduler started before `forge migrate` (as in Kubernetes, where the migrate Job
/// and the Deployments start together) wait not ready instead of failing, and become ready on
/// their own once the schema is there.
@Suite(.serialized) struct ReadinessUntilMigratedTests {
    @Test func gatewayAndSchedulerAreNotReadyUntilTheSchemaIsMigrated() async throws {
        try await withEmptySchema { schema, postgresURL in
            let environment = [
                "FORGE_REDIS_URL": ForgeStack.redisURL, "FORGE_POSTGRES_URL": postgresURL, "FORGE_NAMESPACE": schema,
                "FORGE_API_TOKENS": "readiness-test-token", "FORGE_HTTP_HOST": "127.0.0.1",
            ]
            let gatewayPort = try ForgeStack.freePort()
            let schedulerPort = try ForgeStack.freePort()
            let gateway = try ServiceProcess("forge-gateway", environment: environment.merging(["FORGE_HTTP_PORT": "\(gatewayPort)"]) { $1 })
            defer { gateway.stop() }
            let scheduler = try ServiceProcess(
                "forge-scheduler",
                ["--id", "s1"],
                environment: environment.merging(["FORGE_HTTP_PORT": "\(schedulerPort)"]) { $1 }
            )
            defer { scheduler.stop() }

            for (process, port) in [(gateway, gatewayPort), (scheduler, schedulerPort)] {
                var last: (status: Int, json: [String: Any])?
                try await waitUntil("a /readyz answer", output: process) {
                    last = await ServiceProcess.get(port: port, "/readyz")
                    return last != nil
                }
                #expect(last?.status == 503)
                let checks = last?.json["checks"] as? [String: Bool]
                #expect(checks?["schema"] == false)
                #expect(checks?["postgres"] == true)
                #expect(process.process.isRunning, "must wait, not exit: \(process.output)")
            }

            let migrate = try await ServiceProcess.run(
                "forge",
                ["migrate"],
                environment: ["FORGE_POSTGRES_URL": postgresURL, "FORGE_NAMESPACE": schema]
            )
            #expect(migrate.status == 0, "\(migrate.output)")
            for (process, port) in [(gateway, gatewayPort), (scheduler, schedulerPort)] {
                try await waitUntil("ready after migrate", output: process) {
                    await ServiceProcess.get(port: port, "/readyz")?.status == 200
                }
            }
        }
    }
}
