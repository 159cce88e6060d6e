import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension EndToEndTests {
    /// A worker killed with SIGKILL mid-job loses its lease; after the visibility timeout the
    /// reclaimer returns the job and another worker completes it.
    @Test func jobOfAKilledWorkerCompletesElsewhere() async throws {
        // 3 s: short enough to wait for, long enough that lagging heartbeats on a loaded machine
        // do not lose the first lease before the kill (a third attempt would follow).
        try await withStack(workers: [["--visibility-ms", "3000"]]) { stack in
            let id = try await stack.enqueue(["type": "sleep", "payload": ["ms": 5000], "max_attempts": 5])
            _ = try await stack.waitForState(id, "active")
            stack.stop("worker-1", signal: SIGKILL)
            // A longer lease for the second run: on a loaded machine its heartbeats may lag, and a
            // run whose lease goes unconfirmed for a whole visibility timeout is stopped.
            try stack.startWorker("worker-2", ["--visibility-ms", "4000"])
            let done = try await stack.waitForState(id, "completed", timeout: 30)
            #expect(done["attempts"] as? Int == 2)
        }
    }

    /// SIGTERM drains: jobs that fit in the grace period finish, the rest are released at once,
    /// the worker exits 0, and nothing is lost.
    @Test func terminatedWorkerFinishesOrReleasesItsJobs() async throws {
        try await withStack(workers: [["--grace", "2", "--concurrency", "4"]]) { stack in
            // 1.5 s: inside the 2 s grace, and long enough that a slow poll still sees it running.
            let short = try await stack.enqueue(["type": "sleep", "payload": ["ms": 1500]])
            let long = try await stack.enqueue(["type": "sleep", "payload": ["ms": 60_000]])
            _ = try await stack.waitForState(long, "active")
            #expect(try await stack.job(short)["state"] as? String == "active")
            let status = stack.stop("worker-1", signal: SIGTERM)
            #expect(status == 0)
            #expect(try await stack.job(short)["state"] as? String == "completed")
            let released = try await stack.job(long)
            #expect(released["state"] as? String == "pending")
            #expect(released["attempts"] as? Int == 0)
        }
    }

    /// Killing the scheduler leader hands leadership to the other replica within a few seconds,
    /// and the cron schedule keeps firing once per tick.
    @Test func schedulerTakeoverKeepsCronFiringOncePerTick() async throws {
        let ttl = ["--leader-ttl-ms", "1500"]
        try await withStack(schedulers: [], workers: [["--queues", "*"]]) { stack in
            let ports = [try stack.startScheduler("scheduler-1", ttl), try stack.startScheduler("scheduler-2", ttl)]
            let put = try await stack.request(
                "PUT",
                "/v1/schedules/tick",
                json: ["cron": "* * * * * *", "job": ["type": "noop", "queue": "cron"]]
            )
            #expect(put.status == 201)
            var leader = -1
            try await stack.waitUntil("a leader", timeout: 15) {
                for (index, port) in ports.enumerated() where await stack.metric(port: port, "forge_scheduler_leader") == 1 {
                    leader = index
                    return true
                }
                return false
            }
            func completed() async throws -> Int {
                let queue = try await stack.request("GET", "/v1/queues/cron").json
                return (queue["counts"] as? [String: Any])?["completed"] as? Int ?? 0
            }
            try await stack.waitUntil("first ticks", timeout: 15) { try await completed() >= 2 }
            let start = Date()
            let before = try await completed()
            stack.stop("scheduler-\(leader + 1)", signal: SIGKILL)
            let survivor = ports[1 - leader]
            try await stack.waitUntil("takeover", timeout: 10) {
                await stack.metric(port: survivor, "forge_scheduler_leader") == 1
            }
            try await stack.waitUntil("ticks after takeover", timeout: 15) { try await completed() >= before + 3 }
            try await Task.sleep(for: .seconds(1))
            let elapsed = Date().timeIntervalSince(start)
            let fired = try await completed() - before
            // Once per tick: never more jobs than seconds elapsed (+1 for the boundary).
            #expect(fired <= Int(elapsed.rounded(.up)) + 1)
        }
    }
}
