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
}
