import ForgeCore
import ForgeRedis
import ForgeScheduler
import Synchronization

/// One measured run: producers enqueue, consumers lease and ack (acks lease the next batch in the
/// same round trip), and an optional archiver drains events to Postgres concurrently.
struct EngineRun: Sendable {
    let store: QueueStore
    let queue: QueueName
    let jobs: Int
    let batch: Int
    let producers: Int
    let consumers: Int
    /// Jobs per second over all producers; 0 = unpaced.
    let rate: Int

    struct Report {
        var jobs: Int
        var processedSeconds: Double
        var archivedSeconds: Double?
        var archivedEntries: Int

        func summary(batch: Int, archive: Bool) -> String {
            var lines = [
                "jobs: \(jobs), batch: \(batch), archive: \(archive)",
                "enqueue→lease→ack: \(format(Double(jobs) / processedSeconds)) jobs/s (\(format(processedSeconds)) s)",
            ]
            if let archivedSeconds {
                lines.append(
                    "with history archived (\(archivedEntries) stream entries): \(format(Double(jobs) / archivedSeconds)) jobs/s (\(format(archivedSeconds)) s)"
                )
            }
            return lines.joined(separator: "\n")
        }

        private func format(_ value: Double) -> String {
            value >= 100 ? String(Int(value.rounded())) : String((value * 100).rounded() / 100)
        }
    }

    func execute(archiver: HistoryArchiver?) async throws -> Report {
        let completed = CompletionCount()
        let start = ContinuousClock.now
        var archivedEntries = 0
        try await withThrowingTaskGroup(of: Int.self) { group in
            for producer in 0..<producers {
                group.addTask { try await produce(share: share(of: producer, among: producers)) }
            }
            for consumer in 0..<consumers {
                group.addTask {
                    let result = try await consume(name: "c\(consumer)", completed: completed)
                    completed.markFinished()
                    return result
                }
            }
            if let archiver {
                group.addTask {
                    var total = 0
                    while completed.value < jobs {
                        let archived = try await archiver.drain([queue])
                        total += archived
                        if archived == 0 { try await Task.sleep(for: .milliseconds(5)) }
                    }
                    return total
                }
            }
            for try await archived in group { archivedEntries += archived }
        }
        let processed = completed.value
        precondition(processed == jobs, "completed \(processed) of \(jobs)")
        var report = Report(
            jobs: jobs,
            processedSeconds: seconds(from: start, to: completed.finishedAt ?? .now),
            archivedSeconds: nil,
            archivedEntries: 0
        )
        if let archiver {
            archivedEntries += try await archiver.drain([queue])
            report.archivedSeconds = seconds(from: start, to: ContinuousClock.now)
            report.archivedEntries = archivedEntries
        }
        return report
    }

    /// Enqueue all jobs, then lease and ack them all: each side's rate on its own.
    func executeInPhases() async throws -> String {
        let completed = CompletionCount()
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Int.self) { group in
            for producer in 0..<producers {
                group.addTask { try await produce(share: share(of: producer, among: producers)) }
            }
            try await group.waitForAll()
        }
        let enqueued = ContinuousClock.now
        try await withThrowingTaskGroup(of: Int.self) { group in
            for consumer in 0..<consumers {
                group.addTask { try await consume(name: "c\(consumer)", completed: completed) }
            }
            try await group.waitForAll()
        }
        let drained = ContinuousClock.now
        let enqueueSeconds = seconds(from: start, to: enqueued)
        let drainSeconds = seconds(from: enqueued, to: drained)
        return """
            jobs: \(jobs), batch: \(batch), phases
            enqueue: \(Int(Double(jobs) / enqueueSeconds)) jobs/s (\(enqueueSeconds) s)
            lease→ack: \(Int(Double(jobs) / drainSeconds)) jobs/s (\(drainSeconds) s)
            """
    }

    private func share(of index: Int, among count: Int) -> Int {
        jobs / count + (index < jobs % count ? 1 : 0)
    }

    private func produce(share: Int) async throws -> Int {
        var left = share
        let start = ContinuousClock.now
        var sent = 0
        while left > 0 {
            if rate > 0 {
                // Open loop: batch n is due at n·batch/(rate/producers) seconds, whatever the last one took.
                let due = start + .seconds(Double(sent) * Double(producers) / Double(rate))
                if due > .now { try await Task.sleep(until: due) }
            }
            let size = min(batch, left)
            let newJobs = try (0..<size).map { _ in try NewJob(queue: queue.rawValue, type: "noop") }
            _ = try await store.enqueue(newJobs)
            left -= size
            sent += size
        }
        return 0
    }

    private func consume(name: String, completed: CompletionCount) async throws -> Int {
        var leased: [LeasedJob] = []
        while completed.value < jobs {
            if leased.isEmpty {
                leased = try await store.lease(queue: queue, count: batch, visibilityMs: 60_000, worker: name)
                if leased.isEmpty {
                    try await Task.sleep(for: .milliseconds(1))
                    continue
                }
            }
            let outcome = try await store.complete(
                queue: queue,
                leased.map { Completion(id: $0.id, token: $0.token) },
                leaseNext: batch,
                visibilityMs: 60_000,
                worker: name
            )
            completed.add(outcome.completed.count)
            leased = outcome.leased
        }
        return 0
    }

    private func seconds(from start: ContinuousClock.Instant, to end: ContinuousClock.Instant) -> Double {
        (end - start).seconds
    }
}

/// Jobs acknowledged so far, shared by the consumer tasks, and when the last one was.
final class CompletionCount: Sendable {
    private let count = Atomic<Int>(0)
    /// Set by the first consumer to see the last ack, before the archiver catches up.
    private let finished = Mutex<ContinuousClock.Instant?>(nil)

    var value: Int { count.load(ordering: .relaxed) }
    var finishedAt: ContinuousClock.Instant? { finished.withLock { $0 } }

    func add(_ n: Int) { count.add(n, ordering: .relaxed) }
    func markFinished() { finished.withLock { $0 = $0 ?? .now } }
}
