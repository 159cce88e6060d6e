import ForgeLoad
import Foundation
import Testing

/// `--queues N`: how a run names its queues, takes them in turn, and counts all of them.
struct QueueSpreadTests {
    @Test func oneQueueKeepsTheQueueNameAsItIs() {
        #expect(LoadSettings(job: JobTemplate(queue: "bench")).queueNames == ["bench"])
    }

    @Test func severalQueuesAreNumberedFromZero() {
        let settings = LoadSettings(job: JobTemplate(queue: "bench"), queueCount: 16)
        #expect(settings.queueNames.count == 16)
        #expect(settings.queueNames.first == "bench-0")
        #expect(settings.queueNames.last == "bench-15")
        #expect(Set(settings.queueNames).count == 16)
    }

    @Test func queueCountsThatCannotMakeQueueNamesAreRefusedNamingTheFlag() {
        for settings in [
            LoadSettings(queueCount: 0),
            LoadSettings(queueCount: 1001),
            LoadSettings(job: JobTemplate(queue: String(repeating: "q", count: 62)), queueCount: 16),
        ] {
            #expect {
                try settings.validate()
            } throws: { error in
                (error as? LoadError)?.message.hasPrefix("--queues:") == true
            }
        }
        #expect(throws: Never.self) { try LoadSettings(job: JobTemplate(queue: String(repeating: "q", count: 61)), queueCount: 16).validate() }
    }

    @Test func requestsTakeTheQueuesInTurnAndABatchStaysInOne() throws {
        let settings = LoadSettings(url: "http://127.0.0.1:9", batch: 3, job: JobTemplate(queue: "bench"), queueCount: 4)
        let request = try WireRequest(settings: settings)
        let queues = try (0..<9).map { sequence in try Self.queues(in: request.bytes(forRequest: sequence)) }
        #expect(queues.map(\.first) == ["bench-0", "bench-1", "bench-2", "bench-3", "bench-0", "bench-1", "bench-2", "bench-3", "bench-0"])
        #expect(queues.allSatisfy { $0.count == 3 && Set($0).count == 1 })
    }

    @Test func singleJobRequestsGoToTheirQueue() throws {
        let request = try WireRequest(settings: LoadSettings(url: "http://127.0.0.1:9", job: JobTemplate(queue: "bench"), queueCount: 2))
        #expect(try Self.queues(in: request.bytes(forRequest: 1)) == ["bench-1"])
        #expect(try Self.queues(in: WireRequest(settings: LoadSettings(url: "http://127.0.0.1:9")).bytes(forRequest: 5)) == ["default"])
    }

    @Test func countsOfSeveralQueuesAddUp() {
        var total = QueueCounts(pending: 1, completed: 10)
        total.add(QueueCounts(scheduled: 2, pending: 3, active: 4, retrying: 5, dead: 6, completed: 7))
        #expect(total == QueueCounts(scheduled: 2, pending: 4, active: 4, retrying: 5, dead: 6, completed: 17))
    }

    @Test func metricsKeepEveryQueueOfTheRunAndNoOther() {
        let worker = PrometheusText.parse(
            """
            forge_jobs_completed_total{queue="bench-0",type="noop"} 10
            forge_jobs_completed_total{queue="bench-1",type="noop"} 5
            forge_jobs_completed_total{queue="other",type="noop"} 99
            forge_worker_busy{worker="w"} 2
            """
        )
        var snapshot = MetricsSnapshot()
        snapshot.add(worker, from: "w1", queues: ["bench-0", "bench-1"])
        #expect(snapshot.completed == 15)
        #expect(snapshot.busy == 2)
    }

    /// The `queue` of each job in a request's JSON body.
    static func queues(in bytes: [UInt8]) throws -> [String] {
        let text = String(decoding: bytes, as: UTF8.self)
        let body = try #require(text.range(of: "\r\n\r\n")).upperBound
        let json = try JSONSerialization.jsonObject(with: Data(text[body...].utf8))
        if let batch = (json as? [String: Any])?["jobs"] as? [[String: Any]] { return batch.compactMap { $0["queue"] as? String } }
        return [try #require((json as? [String: Any])?["queue"] as? String)]
    }
}
