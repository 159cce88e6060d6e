import ForgeCore

extension QueueStore {
    /// Writes `jobs` back into `queue` unless Redis has them (``RestoreScript``), registering the
    /// queue first (past the queue limit too: the jobs exist already). Send a queue's jobs oldest
    /// first, so its ready lists keep their order. Safe to repeat.
    public func restore(_ jobs: [RestoredJob], into queue: QueueName) async throws(RedisError) -> RestoreOutcome {
        guard !jobs.isEmpty else { return RestoreOutcome() }
        _ = try await register([queue], maxQueues: nil)
        let calls = stride(from: 0, to: jobs.count, by: RestoreScript.maxJobsPerCall).map {
            RestoreScript.call(keys.queue(queue), jobs: jobs[$0..<min($0 + RestoreScript.maxJobsPerCall, jobs.count)])
        }
        var outcome = RestoreOutcome()
        for reply in try await evaluateRepeatable(calls) {
            if case .error(let message) = reply { throw RedisError.server(message) }
            let counts = (reply.array ?? []).compactMap(\.int)
            guard counts.count == 2 else { throw RedisError.unexpectedReply("restore", reply) }
            outcome = outcome + RestoreOutcome(restored: Int(counts[0]), present: Int(counts[1]))
        }
        return outcome
    }
}
