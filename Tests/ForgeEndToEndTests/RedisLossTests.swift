import ForgeRedis
import ForgeTestSupport
import Foundation
import Testing

extension EndToEndTests {
    /// Redis loses every key of the installation while jobs wait (a Redis restarted without its
    /// data): the scheduler leader notices within seconds, rebuilds the waiting jobs from Postgres
    /// history, and a worker started afterwards runs every one of them once.
    @Test func waitingJobsComeBackWhenRedisLosesItsData() async throws {
        try await withStack(schedulers: [], workers: []) { stack in
            let schedulerPort = try stack.startScheduler("scheduler-1")
            var ids: [String] = []
            for n in 0..<20 { ids.append(try await stack.enqueue(["type": "noop", "queue": "kept", "payload": ["n": n]])) }
            try await stack.waitUntil("history has the jobs", timeout: 30) {
                let page = try await stack.request("GET", "/v1/jobs?queue=kept&state=pending&limit=100").json
                return (page["jobs"] as? [Any])?.count == ids.count
            }

            let redis = RedisClient(configuration: try RedisConfiguration(url: stack.redisURL, setting: "test"))
            await redis.deleteKeys(of: stack.namespace)
            await redis.shutdown()

            try stack.startWorker("worker-1", ["--queues", "kept"])
            for id in ids {
                let job = try await stack.waitForState(id, "completed", timeout: 40)
                #expect(job["attempts"] as? Int == 1)
            }
            #expect(await stack.metric(port: schedulerPort, "forge_recoveries_total") == 1)
            #expect(await stack.metric(port: schedulerPort, #"forge_recovery_jobs_total{outcome="restored"}"#) == Double(ids.count))
        }
    }

    /// `forge recover` by hand (no scheduler running): the jobs Redis lost come back once; run
    /// again, it finds them all in Redis and changes nothing.
    @Test func forgeRecoverRebuildsWhatRedisLostAndIsSafeToRepeat() async throws {
        try await withStack(schedulers: [], workers: []) { stack in
            try stack.startScheduler("archiver")
            var ids: [String] = []
            for n in 0..<5 { ids.append(try await stack.enqueue(["type": "noop", "queue": "by-hand", "payload": ["n": n]])) }
            try await stack.waitUntil("history has the jobs", timeout: 30) {
                let page = try await stack.request("GET", "/v1/jobs?queue=by-hand&state=pending&limit=100").json
                return (page["jobs"] as? [Any])?.count == ids.count
            }
            stack.stop("archiver")
            let redis = RedisClient(configuration: try RedisConfiguration(url: stack.redisURL, setting: "test"))
            await redis.deleteKeys(of: stack.namespace)
            await redis.shutdown()

            let environment = ["FORGE_REDIS_URL": stack.redisURL, "FORGE_POSTGRES_URL": stack.postgresURL, "FORGE_NAMESPACE": stack.namespace]
            let first = try await CLIRun.forge(["recover", "--json"], environment: environment)
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.json["restored"] as? Int == ids.count, "\(first.stdout)")
            let second = try await CLIRun.forge(["recover"], environment: environment)
            #expect(second.status == 0, "\(second.stderr)")
            #expect(second.stdout.contains("recovered 0 jobs from history; \(ids.count) were still in Redis"), "\(second.stdout)")
            let closed = try await CLIRun.forge(
                ["recover"],
                environment: environment.merging(["FORGE_REDIS_URL": "redis://127.0.0.1:\(try ForgeStack.freePort())"]) { $1 }
            )
            #expect(closed.status == 5, "unavailable: \(closed.stderr)")

            try stack.startWorker("worker-1", ["--queues", "by-hand"])
            for id in ids { _ = try await stack.waitForState(id, "completed", timeout: 30) }
        }
    }
}
