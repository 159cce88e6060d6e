import ForgeTestSupport
import Foundation
import Testing

extension OneStackAtATime {
    /// The real gateway, scheduler and worker on a three-master Redis Cluster
    /// (`FORGE_REDIS_URL=redis+cluster://…`): jobs of queues on every node are enqueued, run,
    /// retried, dead-lettered and archived to history, and the idle worker wakes for new work.
    @Suite(.serialized) struct ClusterStackTests {
        @Test func jobsOfQueuesOnEveryNodeRunAndReachHistory() async throws {
            let cluster = try await PrivateCluster.start()
            defer { cluster.stop() }
            let seeds = cluster.servers.map { "127.0.0.1:\($0.port)" }.joined(separator: ",")
            let queues = (0..<6).map { "cluster\($0)" }
            try await withStack(workers: [["--queues", "*"]], redisURL: "redis+cluster://\(seeds)") { stack in
                // Wait for the worker to be idle, so the jobs below are found by its wake-up.
                try await Task.sleep(for: .seconds(1))
                var ids: [String] = []
                for queue in queues {
                    ids.append(try await stack.enqueue(["type": "noop", "queue": queue, "payload": ["q": queue]]))
                }
                let failing = try await stack.enqueue([
                    "type": "fail", "queue": queues[0], "payload": ["message": "boom", "retryable": true], "max_attempts": 2,
                    "backoff": ["base_ms": 10, "cap_ms": 50],
                ])
                let delayed = try await stack.enqueue(["type": "noop", "queue": queues[1], "delay_ms": 500])
                for id in ids + [delayed] { _ = try await stack.waitForState(id, "completed") }
                let dead = try await stack.waitForState(failing, "dead")
                #expect(dead["attempts"] as? Int == 2)
                // The leader archives every queue's events: history search reads Postgres.
                try await stack.waitUntil("history rows of every queue", timeout: 30) {
                    let page = try await stack.request("GET", "/v1/jobs?state=completed&limit=100").json
                    let found = Set(((page["jobs"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String })
                    return Set(ids).isSubset(of: found)
                }
                let listed = try await stack.request("GET", "/v1/queues").json
                let names = Set(((listed["queues"] as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String })
                #expect(Set(queues).isSubset(of: names))
            }
        }
    }
}
