import ForgeCore
import ForgeRedis

/// Dead letters with large payloads, put into Redis straight through the store (enqueue, lease,
/// fail for good): seconds for 150 of 900 KiB, where a debug gateway and worker took over a minute.
public enum DeadLetterFixture {
    /// Makes `count` dead letters in `queue` whose payloads are JSON strings of `payloadBytes`
    /// bytes, two at a time: the enqueue script packs its jobs' events into one string, which for
    /// ten jobs of 900 KiB took Redis almost a second, past a client's timeout on a loaded machine.
    /// The queue's event stream is dropped after each step: it holds every payload once more, and
    /// tests have no archiver, so Redis keeps each large payload once.
    @discardableResult
    public static func make(_ store: QueueStore, queue: QueueName, count: Int, payloadBytes: Int) async throws -> [JobID] {
        let payload = "\"" + String(repeating: "x", count: payloadBytes - 2) + "\""
        var ids: [JobID] = []
        for start in stride(from: 0, to: count, by: 2) {
            let jobs = try (start..<min(start + 2, count)).map { _ in
                try NewJob(queue: queue.rawValue, type: "big", payload: payload, maxAttempts: 1)
            }
            _ = try await store.enqueue(jobs)
            let leased = try await store.lease(queue: queue, count: jobs.count, visibilityMs: 60_000, worker: "fixture")
            for job in leased {
                let outcome = try await store.fail(queue: queue, LeaseRef(job), error: "too big", retryable: false, retryDelayMs: 0)
                guard outcome == .dead else { throw FixtureError(description: "job \(job.id) failed as \(outcome), not dead") }
            }
            guard leased.count == jobs.count else {
                throw FixtureError(description: "leased \(leased.count) of \(jobs.count) jobs in \(queue)")
            }
            _ = try await store.redis.command(["DEL", store.keys.queue(queue).events])
            ids += jobs.map(\.id)
        }
        return ids
    }

    public struct FixtureError: Error, CustomStringConvertible {
        public var description: String
    }
}
