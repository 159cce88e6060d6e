import ForgeCore

/// Leases up to `count` ready jobs, highest priority first, FIFO within a priority.
///
/// KEYS: 1 leased, 2 paused, 3 events, 4 lease:seq
/// ARGV: 1 key prefix, 2 count, 3 visibility ms, 4 worker id, 5 request id (`''`: none),
///       6 retention ms (TTL of a job canceled instead of leased)
///
/// Guarantees: nothing is leased from a paused queue; the leased jobs share a fresh fencing token
/// from the queue's counter (unique per lease call, hence per job lease), each gets an attempt, a
/// deadline `now + visibility` in `leased` and a `started` event. A job is never handed to two
/// leasers: LMPOP removes it from its ready list atomically. Only `pending` jobs are leased; one
/// whose cancellation is pending is canceled instead. The same request id repeated returns the
/// jobs the first call leased (see `lease_jobs`). Returns the flat array described at
/// `lease_jobs`, decoded by ``parseJobs(_:queue:)``.
package enum LeaseScript {
    static let script = LuaScript(
        named: "lease",
        body: #"""
            local out = lease_jobs(ARGV[1], KEYS[1], KEYS[2], KEYS[3], KEYS[4],
              tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], now_ms(), ARGV[5], ARGV[6])
            flush_events(KEYS[3])
            return out
            """#
    )

    static func call(
        _ keys: QueueKeys,
        count: Int,
        visibilityMs: Int64,
        worker: String,
        requestID: String,
        retentionMs: Int64
    ) -> ScriptCall {
        ScriptCall(
            script,
            keys: leaseKeys(keys),
            arguments: [keys.prefix, String(count), String(visibilityMs), worker, requestID, String(retentionMs)]
        )
    }

    /// The keys `lease_jobs` needs, in its order; the ack script appends them to its own.
    static func leaseKeys(_ keys: QueueKeys) -> [String] {
        [keys.leased, keys.paused, keys.events, keys.leaseSeq]
    }

    /// Decodes `lease_jobs` output: `token, leased_at, deadline`, then per job `id, attempts,
    /// spec, priority, max_attempts, created_at, run_at`.
    package static func parseJobs(_ reply: RedisValue, queue: QueueName) throws(RedisError) -> [LeasedJob] {
        let flat = try reply.expectArray("lease")
        guard !flat.isEmpty else { return [] }
        guard flat.count >= 3, (flat.count - 3) % 7 == 0, let token = flat[0].string, let leasedAt = flat[1].int,
            let deadline = flat[2].int
        else { throw RedisError.unexpectedReply("lease", reply) }
        var jobs: [LeasedJob] = []
        jobs.reserveCapacity((flat.count - 3) / 7)
        for base in stride(from: 3, to: flat.count, by: 7) {
            guard let id = flat[base].string.flatMap({ try? JobID($0) }), let attempts = flat[base + 1].int,
                let spec = flat[base + 2].string.flatMap({ JobSpec(packed: $0) }),
                let priority = flat[base + 3].int, let maxAttempts = flat[base + 4].int,
                let createdAt = flat[base + 5].int, let runAt = flat[base + 6].int
            else { throw RedisError.unexpectedReply("leased job", .array(Array(flat[base..<base + 7]))) }
            jobs.append(
                LeasedJob(
                    id: id,
                    queue: queue,
                    type: spec.type,
                    payload: spec.payload,
                    priority: Int(priority),
                    attempts: Int(attempts),
                    maxAttempts: Int(maxAttempts),
                    timeoutMs: spec.timeoutMs,
                    backoff: spec.backoff,
                    token: LeaseToken(token),
                    createdAtMs: createdAt,
                    readyAtMs: max(createdAt, runAt),
                    leasedAtMs: leasedAt,
                    deadlineMs: deadline
                )
            )
        }
        return jobs
    }
}
