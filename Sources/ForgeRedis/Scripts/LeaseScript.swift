import ForgeCore

/// Leases up to `count` ready jobs, highest priority first, FIFO within a priority.
///
/// KEYS: 1 ready, 2 leased, 3 paused, 4 events, 5 lease:seq
/// ARGV: 1 key prefix, 2 count, 3 visibility ms, 4 worker id
///
/// Guarantees: nothing is leased from a paused queue; each leased job gets a fresh fencing token
/// from the queue's counter, an attempt, a deadline `now + visibility` in `leased`, and a
/// `started` event. A job is never handed to two leasers: ZPOPMIN removes it from ready atomically.
/// Returns one array per job (see ``parseJobs(_:queue:)``).
enum LeaseScript {
    static let script = LuaScript(named: "lease", body: #"""
        local out = lease_jobs(ARGV[1], KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5],
          tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], now_ms())
        flush_events(KEYS[4])
        return out
        """#)

    static func call(_ keys: QueueKeys, count: Int, visibilityMs: Int64, worker: String) -> ScriptCall {
        ScriptCall(
            script,
            keys: leaseKeys(keys),
            arguments: [keys.prefix, String(count), String(visibilityMs), worker]
        )
    }

    /// The keys `lease_jobs` needs, in its order; the ack script appends them to its own.
    static func leaseKeys(_ keys: QueueKeys) -> [String] {
        [keys.ready, keys.leased, keys.paused, keys.events, keys.leaseSeq]
    }

    /// Decodes `lease_jobs` output: `{id, token, attempts, leased_at, deadline, type, payload,
    /// priority, max_attempts, timeout_ms, backoff_base, backoff_cap, created_at, run_at}` per job.
    static func parseJobs(_ reply: RedisValue, queue: QueueName) throws(RedisError) -> [LeasedJob] {
        var jobs: [LeasedJob] = []
        for item in try reply.expectArray("lease") {
            guard let f = item.array, f.count == 14, let id = f[0].string.flatMap({ try? JobID($0) }),
                let token = f[1].string, let attempts = f[2].int, let leasedAt = f[3].int, let deadline = f[4].int,
                let type = f[5].string, let payload = f[6].string, let priority = f[7].int,
                let maxAttempts = f[8].int, let timeout = f[9].int, let base = f[10].int, let cap = f[11].int,
                let createdAt = f[12].int, let runAt = f[13].int
            else { throw RedisError.unexpectedReply("leased job", item) }
            jobs.append(
                LeasedJob(
                    id: id, queue: queue, type: type, payload: payload, priority: Int(priority),
                    attempts: Int(attempts), maxAttempts: Int(maxAttempts), timeoutMs: timeout,
                    backoff: (try? Backoff(baseMs: base, capMs: cap)) ?? .standard, token: LeaseToken(token),
                    createdAtMs: createdAt, readyAtMs: max(createdAt, runAt), leasedAtMs: leasedAt, deadlineMs: deadline
                )
            )
        }
        return jobs
    }
}
