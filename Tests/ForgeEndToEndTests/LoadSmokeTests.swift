import Foundation
import Testing

/// `forge-load` against the real processes: a short open-loop run and a short scaling run. They
/// check that the tool works and reports sensibly, not how fast anything is.
@Suite(.serialized) struct LoadSmokeTests {
    @Test func openLoopRunEnqueuesWithoutErrorsAndSeesTheJobsComplete() async throws {
        try await withStack(schedulers: [], workers: []) { stack in
            let schedulerPort = try stack.startScheduler("scheduler-1")
            let workerPort = try stack.startWorker("worker-1")
            try await stack.waitUntil("worker ready", timeout: 30) {
                (try? await stack.request("GET", "/readyz", token: .some(nil), port: workerPort).status) == 200
            }
            let json = stack.logs.appendingPathComponent("load.json")
            let svg = stack.logs.appendingPathComponent("load.svg")
            let status = try await runLoad(
                stack,
                [
                    "--url", "http://127.0.0.1:\(stack.gatewayPort)", "--token", stack.token,
                    "--rps", "200", "--duration", "2s", "--warmup", "0s", "--drain-timeout", "15s",
                    "--metrics-url", "http://127.0.0.1:\(workerPort),http://127.0.0.1:\(schedulerPort)",
                    "--json", json.path, "--svg", svg.path,
                ]
            )
            #expect(status == 0, "forge-load failed:\n\(stack.log("forge-load"))")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any])
            let enqueue = try #require(report["enqueue"] as? [String: Any])
            let system = try #require(report["system"] as? [String: Any])
            #expect(enqueue["error_count"] as? Int == 0)
            #expect(enqueue["accepted_jobs"] as? Int == 400)
            let latency = try #require(enqueue["latency_ms"] as? [String: Any])
            #expect((latency["p99"] as? Double ?? 0) > 0)
            #expect((latency["p50"] as? Double ?? 0) <= (latency["max"] as? Double ?? 0))
            #expect((system["metrics_endpoints"] as? [String])?.count == 2)
            #expect((system["completed_through_drain"] as? Double ?? 0) >= 400)
            #expect(((system["wait_ms"] as? [String: Any])?["count"] as? Double ?? 0) >= 400)
            #expect(system["drained"] as? Bool == true)
            #expect(((report["series"] as? [Any])?.count ?? 0) >= 2)
            let chart = try String(contentsOf: svg, encoding: .utf8)
            #expect(chart.hasPrefix("<?xml") && chart.contains("</svg>"))
        }
    }

    @Test func scaleRunStartsWorkersPerStepAndReportsEfficiency() async throws {
        try await withStack(schedulers: [], workers: []) { stack in
            let json = stack.logs.appendingPathComponent("scale.json")
            let status = try await runLoad(
                stack,
                [
                    "scale", "--workers", "1,2", "--concurrency", "2", "--sleep-ms", "5",
                    "--url", "http://127.0.0.1:\(stack.gatewayPort)", "--token", stack.token,
                    "--rps", "300", "--duration", "1s", "--warmup", "500ms", "--metrics-url", "http://127.0.0.1:1",
                    "--bin-dir", ForgeStack.binDirectory.path, "--redis-url", stack.redisURL, "--namespace", stack.namespace,
                    "--log-dir", stack.logs.path, "--json", json.path,
                ]
            )
            #expect(status == 0, "forge-load scale failed:\n\(stack.log("forge-load"))")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any])
            let steps = try #require(report["steps"] as? [[String: Any]])
            #expect(steps.map { $0["workers"] as? Int } == [1, 2])
            #expect(steps.allSatisfy { ($0["completed_jobs_per_second"] as? Double ?? 0) > 0 })
            #expect(steps.allSatisfy { $0["errors"] as? Int == 0 })
            #expect(steps.first?["efficiency"] as? Double == 1)
        }
    }

    /// Runs the built forge-load with `arguments`, output to the stack's logs; returns its exit status.
    private func runLoad(_ stack: ForgeStack, _ arguments: [String]) async throws -> Int32 {
        let process = Process()
        process.executableURL = ForgeStack.binDirectory.appendingPathComponent("forge-load")
        process.arguments = arguments
        let log = stack.logs.appendingPathComponent("forge-load.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        while process.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning { process.terminate() }
        while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        return process.terminationStatus
    }
}
