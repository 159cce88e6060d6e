import ForgeCore
import ForgeGateway
import ForgePostgres
import Foundation
import Testing

/// `GET /v1/jobs` (history search) answers a page bounded by bytes as well as by count: Postgres
/// stops at the budget, and `next_cursor` continues after the last job shown.
@Suite struct HistoryPageTests {
    static let budget = GatewayConfiguration.defaultMaxPageBytes

    /// A finished job's events: enqueued with `payload`, failed once with `error`, completed with `result`.
    static func archived(_ id: JobID, at: Int64, payload: String, result: String, error: String) throws -> [JobEvent] {
        let queue = try QueueName("hbig")
        return [
            JobEvent(
                streamID: "\(at)-1",
                jobID: id,
                queue: queue,
                seq: 1,
                kind: .enqueued,
                state: .pending,
                atMs: at,
                attempts: 0,
                type: "big",
                payload: payload,
                priority: 5,
                maxAttempts: 3
            ),
            JobEvent(streamID: "\(at)-2", jobID: id, queue: queue, seq: 2, kind: .started, state: .active, atMs: at + 1, attempts: 1),
            JobEvent(
                streamID: "\(at)-3",
                jobID: id,
                queue: queue,
                seq: 3,
                kind: .retried,
                state: .retrying,
                atMs: at + 2,
                attempts: 1,
                error: error
            ),
            JobEvent(streamID: "\(at)-4", jobID: id, queue: queue, seq: 4, kind: .started, state: .active, atMs: at + 3, attempts: 2),
            JobEvent(streamID: "\(at)-5", jobID: id, queue: queue, seq: 5, kind: .completed, state: .completed, atMs: at + 4, result: result),
        ]
    }

    @Test func aHistoryPageIsCutByBytesAndTheCursorContinuesAfterIt() async throws {
        try await TestGateway.with { gateway in
            // Ten jobs of about 1 MiB each: a 700 KiB payload, a 200 KiB result and a 100 KiB error.
            let payload = "\"" + String(repeating: "p", count: (700 << 10) - 2) + "\""
            let result = "\"" + String(repeating: "r", count: (200 << 10) - 2) + "\""
            let error = String(repeating: "e", count: 100 << 10)
            let perJob = payload.utf8.count + result.utf8.count + error.utf8.count
            var ids: [JobID] = []
            for n in 0..<10 {
                let id = JobID.generate()
                try await gateway.history.record(
                    try Self.archived(id, at: 1_700_000_000_000 + Int64(n) * 1000, payload: payload, result: result, error: error)
                )
                ids.append(id)
            }

            let pages = try await gateway.pages("/v1/jobs?queue=hbig&limit=50", atMost: 20)
            #expect(pages.count > 1, "one page held all ten jobs")
            for page in pages {
                #expect(page.count == 1 || page.count * perJob <= Self.budget, "a page of \(page.count) jobs, \(page.count * perJob) bytes")
                #expect(page.allSatisfy { ($0["errors"] as? [Any])?.count == 1 && $0["result"] is String })
            }
            let listed = pages.flatMap { $0 }.compactMap { $0["id"] as? String }
            #expect(listed == ids.reversed().map(\.rawValue), "every job once, newest first")
        }
    }
}
