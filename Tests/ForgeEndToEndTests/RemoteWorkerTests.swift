import Foundation
import Testing

extension EndToEndTests {
    /// The README's Python worker (Examples/python/worker.py, standard library only) runs jobs of
    /// a real stack through the lease API: one completes with its result, a flaky one completes on
    /// its second attempt, and a permanent failure and a job that fails every attempt go dead.
    @Test func thePythonExampleWorkerCompletesRetriesAndDeadLettersJobs() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let script = root.appendingPathComponent("Examples/python/worker.py")
        try await withStack(workers: []) { stack in
            try stack.startProgram(
                "python-worker",
                "/usr/bin/env",
                ["python3", "-u", script.path],
                environment: ["FORGE_URL": "http://127.0.0.1:\(stack.gatewayPort)", "FORGE_TOKEN": stack.token, "FORGE_QUEUE": "py"]
            )
            let fast = ["base_ms": 10, "cap_ms": 50]
            let ok = try await stack.enqueue(["type": "sum", "queue": "py", "payload": ["numbers": [1, 2, 3]]])
            let flaky = try await stack.enqueue(["type": "sum", "queue": "py", "payload": ["fail_times": 1], "backoff": fast])
            let invalid = try await stack.enqueue(["type": "sum", "queue": "py", "payload": ["invalid": true]])
            let hopeless = try await stack.enqueue([
                "type": "sum", "queue": "py", "payload": ["fail_times": 99], "max_attempts": 2, "backoff": fast,
            ])

            let done = try await stack.waitForState(ok, "completed", timeout: 30)
            #expect((done["result"] as? [String: Int]) == ["sum": 6], "\(done)")
            let retried = try await stack.waitForState(flaky, "completed", timeout: 30)
            #expect(retried["attempts"] as? Int == 2)
            let refused = try await stack.waitForState(invalid, "dead", timeout: 30)
            #expect(refused["attempts"] as? Int == 1, "a permanent failure is not retried")
            #expect((refused["last_error"] as? String)?.contains("invalid input") == true, "\(refused)")
            let exhausted = try await stack.waitForState(hopeless, "dead", timeout: 30)
            #expect(exhausted["attempts"] as? Int == 2)

            let completed = await stack.metric(port: stack.gatewayPort, #"forge_jobs_completed_total{queue="py",type="sum"}"#)
            #expect(completed == 2)
            #expect(await stack.metric(port: stack.gatewayPort, #"forge_jobs_dead_total{queue="py"}"#) == 2)
        }
    }

    /// The README shows the example worker as it is in Examples/python/worker.py, line for line.
    @Test func theReadmeShowsThePythonWorkerAsTested() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let script = try String(contentsOf: root.appendingPathComponent("Examples/python/worker.py"), encoding: .utf8)
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains("```python\n" + script + "```"))
    }

    /// A gateway told to stop answers its long-polls at once (no jobs) instead of holding them to
    /// the end of their wait or dropping them: a remote worker sees a normal, empty answer and
    /// asks again, elsewhere.
    @Test func aStoppingGatewayAnswersItsWaitingLeasesAtOnce() async throws {
        try await withStack(schedulers: [], workers: []) { stack in
            let started = ContinuousClock.now
            async let waiting = stack.request("POST", "/v1/queues/idle/lease", json: ["wait_ms": 20_000])
            try await stack.waitUntil("the lease waits", timeout: 10) {
                await stack.metric(port: stack.gatewayPort, "forge_remote_lease_waiters") == 1
            }
            stack.stop("gateway", wait: false)
            let reply = try await waiting
            #expect(reply.status == 200, "\(String(decoding: reply.body, as: UTF8.self))")
            #expect((reply.json["jobs"] as? [Any])?.isEmpty == true)
            #expect(ContinuousClock.now - started < .seconds(15), "answered at the stop, not at the end of its 20 s wait")
        }
    }
}
