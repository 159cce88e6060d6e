import ForgeCore
import ForgeRedis
import Testing

extension TestGateway {
    /// Puts `count` dead letters with JSON-string payloads of `payloadBytes` bytes into `queue`
    /// straight through the store (enqueue, lease, fail for good), two at a time: the enqueue
    /// script packs its jobs' events into one string, which for ten jobs of 900 KiB took Redis
    /// almost a second, past the client's timeout on a loaded machine. The queue's event stream is
    /// dropped after each step: it holds every payload once more, and nothing archives it here, so
    /// Redis keeps each large payload once.
    @discardableResult
    func makeDeadLetters(_ queue: QueueName, count: Int, payloadBytes: Int) async throws -> [JobID] {
        let payload = "\"" + String(repeating: "x", count: payloadBytes - 2) + "\""
        var ids: [JobID] = []
        for start in stride(from: 0, to: count, by: 2) {
            let jobs = try (start..<min(start + 2, count)).map { _ in
                try NewJob(queue: queue.rawValue, type: "big", payload: payload, maxAttempts: 1)
            }
            _ = try await queues.enqueue(jobs)
            let leased = try await queues.lease(queue: queue, count: jobs.count, visibilityMs: 60_000, worker: "w")
            #expect(leased.count == jobs.count)
            for job in leased {
                let outcome = try await queues.fail(queue: queue, LeaseRef(job), error: "too big", retryable: false, retryDelayMs: 0)
                #expect(outcome == .dead)
            }
            _ = try await redis.command(["DEL", keys.queue(queue).events])
            ids += jobs.map(\.id)
        }
        return ids
    }

    /// The dead set in Redis' own order (latest death first, ties by id descending).
    func deadSetOrder(_ queue: QueueName) async throws -> [String] {
        (try await redis.command(["ZREVRANGE", keys.queue(queue).dead, "0", "-1"]).array ?? []).compactMap(\.string)
    }
}
