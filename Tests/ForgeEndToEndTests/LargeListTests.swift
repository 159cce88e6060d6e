import ForgeCore
import ForgeTestSupport
import Foundation
import Testing

extension OneStackAtATime {
    /// The real `forge-gateway` asked for a dead-letter list of large payloads: it stays inside the
    /// memory limit its Kubernetes manifest gives it, pages with a cursor, and keeps serving
    /// enqueues meanwhile.
    @Suite struct LargeListTests {
        static let deadLetters = 150
        static let payloadBytes = 900 << 10

        @Test func aLargeDeadLetterListStaysUnderTheGatewaysMemoryLimit() async throws {
            // The gateway alone: the dead letters go straight into its namespace, and leave Redis
            // after (no archiver copies 135 MB into Postgres meanwhile). On a Redis of its own:
            // 135 MB of writes and reads would stall the shared test Redis past other tests'
            // command timeouts.
            let redis = try PrivateRedis()
            try redis.start()
            defer { redis.stop() }
            try await withStack(schedulers: [], workers: [], redisURL: redis.url) { stack in
                try await stack.withQueueStore { store in
                    try await DeadLetterFixture.make(store, queue: try QueueName("default"), count: Self.deadLetters, payloadBytes: Self.payloadBytes)
                    try await Self.listEveryDeadLetterWhileEnqueueing(stack)
                }
            }
        }

        /// Pages through `default`'s dead letters with `limit=1000` while small enqueues run beside,
        /// then checks the gateway's peak memory against its manifest's limit.
        static func listEveryDeadLetterWhileEnqueueing(_ stack: ForgeStack) async throws {
            let limit = try GatewayManifest.memoryLimitBytes()
            let gateway = try #require(stack.processID("gateway"))
            let enqueues = Task {
                var statuses: [Int] = []
                for n in 0..<50 {
                    statuses.append(
                        try await stack.request("POST", "/v1/jobs", json: ["type": "noop", "queue": "small", "payload": ["n": n]]).status
                    )
                }
                return statuses
            }
            var listed: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let reply = try await stack.request("GET", "/v1/dlq?queue=default&limit=1000" + (cursor.map { "&cursor=\($0)" } ?? ""))
                try #require(reply.status == 200, "\(String(decoding: reply.body.prefix(500), as: UTF8.self))")
                let jobs = try #require(reply.json["jobs"] as? [[String: Any]])
                #expect(jobs.count == 1 || reply.body.count <= 5 << 20, "a page of \(jobs.count) jobs, \(reply.body.count) bytes")
                listed += jobs.compactMap { $0["id"] as? String }
                cursor = reply.json["next_cursor"] as? String
                pages += 1
                try #require(pages <= deadLetters, "the cursor never ends")
            } while cursor != nil
            #expect(try await enqueues.value == Array(repeating: 201, count: 50))

            let peak = try PeakMemory.bytes(of: gateway)
            print("forge-gateway peak RSS (VmHWM) \(peak >> 20) MiB, limit \(limit >> 20) MiB, \(pages) pages")
            #expect(peak < limit, "the gateway's peak RSS \(peak >> 20) MiB is not below its limit of \(limit >> 20) MiB")
            #expect(pages > 1)
            #expect(listed.count == deadLetters)
            #expect(Set(listed).count == deadLetters, "every dead letter once")
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
            if trimmed == "limits:" {
                inLimits = true
                continue
            }
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
