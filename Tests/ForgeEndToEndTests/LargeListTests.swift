import Foundation
import Testing

extension OneStackAtATime {
    /// The real `forge-gateway` asked for a dead-letter list of large payloads: it stays inside the
    /// memory limit its Kubernetes manifest gives it, pages with a cursor, and keeps serving
    /// enqueues meanwhile.
    @Suite struct LargeListTests {
        static let deadLetters = 150
        static let padBytes = 900 << 10

        @Test func aLargeDeadLetterListStaysUnderTheGatewaysMemoryLimit() async throws {
            let limit = try GatewayManifest.memoryLimitBytes()
            // A small lease batch keeps the worker's own memory modest; it is not under test.
            try await withStack(workers: [["--concurrency", "4", "--batch", "4"]]) { stack in
                let pad = String(repeating: "x", count: Self.padBytes)
                for _ in 0..<Self.deadLetters {
                    _ = try await stack.enqueue([
                        "type": "fail", "max_attempts": 1, "payload": ["retryable": false, "message": "too big", "pad": pad],
                    ])
                }
                try await stack.waitUntil("\(Self.deadLetters) dead letters", timeout: 180) {
                    let counts = try await stack.request("GET", "/v1/queues/default").json["counts"] as? [String: Any]
                    return counts?["dead"] as? Int == Self.deadLetters
                }
                let gateway = try #require(stack.processID("gateway"))

                // Small enqueues run beside the list; every one must succeed.
                let enqueues = Task {
                    var statuses: [Int] = []
                    for n in 0..<50 {
                        statuses.append(try await stack.request("POST", "/v1/jobs", json: ["type": "noop", "queue": "small", "payload": ["n": n]]).status)
                    }
                    return statuses
                }
                var listed: [String] = []
                var cursor: String?
                var pages = 0
                repeat {
                    let reply = try await stack.request(
                        "GET", "/v1/dlq?queue=default&limit=1000" + (cursor.map { "&cursor=\($0)" } ?? "")
                    )
                    try #require(reply.status == 200, "\(String(decoding: reply.body.prefix(500), as: UTF8.self))")
                    let jobs = try #require(reply.json["jobs"] as? [[String: Any]])
                    #expect(jobs.count == 1 || reply.body.count <= 5 << 20, "a page of \(jobs.count) jobs, \(reply.body.count) bytes")
                    listed += jobs.compactMap { $0["id"] as? String }
                    cursor = reply.json["next_cursor"] as? String
                    pages += 1
                    try #require(pages <= Self.deadLetters, "the cursor never ends")
                } while cursor != nil
                #expect(try await enqueues.value == Array(repeating: 201, count: 50))

                let peak = try PeakMemory.bytes(of: gateway)
                print("forge-gateway peak RSS (VmHWM) \(peak >> 20) MiB, limit \(limit >> 20) MiB, \(pages) pages")
                #expect(peak < limit, "the gateway's peak RSS \(peak >> 20) MiB is not below its limit of \(limit >> 20) MiB")
                #expect(pages > 1)
                #expect(listed.count == Self.deadLetters)
                #expect(Set(listed).count == Self.deadLetters, "every dead letter once")

                // Leave no large payloads in the shared Redis.
                for id in listed { _ = try await stack.request("DELETE", "/v1/dlq/\(id)") }
            }
        }

        @Test func aPageBudgetOutOfRangeIsRefusedNamingTheSetting() async throws {
            let (status, output) = try await ServiceProcess.run("forge-gateway", environment: ["FORGE_MAX_PAGE_BYTES": "10"])
            #expect(status != 0)
            #expect(output.contains("FORGE_MAX_PAGE_BYTES"), "\(output)")
        }
    }
}

/// The gateway's container memory limit, as `k8s/40-gateway.yaml` states it.
enum GatewayManifest {
    static func memoryLimitBytes() throws -> Int {
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { root.deleteLastPathComponent() }
        let text = try String(contentsOf: root.appendingPathComponent("k8s/40-gateway.yaml"), encoding: .utf8)
        var inLimits = false
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed == "limits:" { inLimits = true; continue }
            guard inLimits, trimmed.hasPrefix("memory:") else { continue }
            let value = trimmed.dropFirst("memory:".count).trimmingCharacters(in: .whitespaces)
            for (suffix, shift) in [("Gi", 30), ("Mi", 20), ("Ki", 10)] where value.hasSuffix(suffix) {
                if let number = Int(value.dropLast(2)) { return number << shift }
            }
            throw StackError("k8s/40-gateway.yaml: memory limit \(value) is not in Ki, Mi or Gi")
        }
        throw StackError("k8s/40-gateway.yaml states no memory limit")
    }
}

/// A process's peak resident memory.
enum PeakMemory {
    /// `VmHWM` of `/proc/<pid>/status`: the most memory the process ever had resident.
    static func bytes(of pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count >= 2, let kilobytes = Int(fields[1]) { return kilobytes << 10 }
        }
        throw StackError("/proc/\(pid)/status has no VmHWM")
    }
}
