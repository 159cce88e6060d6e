import ForgeCore
import ForgeRedis
import ForgeTestSupport
import Testing

/// Calls whose reply was lost are repeated; a repeat must never do the work twice, and the
/// answer must be the one the first call would have given (issue 8, items 7 and 10).
@Suite struct RepeatedCallTests {
    /// A lease whose reply is lost used to burn an attempt and strand its jobs for a visibility
    /// timeout (a `max_attempts=1` job died unrun). Redis is made to stall past the client's
    /// timeout, so the first lease runs on the server but its reply never arrives; the store's
    /// repeat with the same request id gets that lease's job.
    @Test func leaseWhoseReplyIsLostIsHandedOverByTheRepeat() async throws {
        // A server of its own: stalling the shared one would time out the tests running beside it.
        let server = try PrivateRedis()
        try server.start()
        defer { server.stop() }
        try await TestRedis.with(url: server.url) { redis in
            let new = job(maxAttempts: 1)
            _ = try await redis.queues.enqueue(new)
            var configuration = TestRedis.configuration(url: server.url)
            configuration.timeoutMs = 400
            let impatient = RedisClient(configuration: configuration)
            let store = QueueStore(redis: impatient, keys: redis.keys)
            _ = await impatient.ping()
            let stall = Task {
                // Blocks the server ~600 ms: the lease below is read only afterwards.
                _ = try? await redis.client.command([
                    "EVAL",
                    "local t = redis.call('TIME') local s = t[1] * 1e6 + t[2] "
                        + "repeat t = redis.call('TIME') until t[1] * 1e6 + t[2] - s > 600000 return 1", "0",
                ])
            }
            try await sleep(ms: 50)
            let leased = try await store.lease(queue: q, count: 1, visibilityMs: 30_000, worker: "w")
            _ = await stall.value
            #expect(leased.map(\.id) == [new.id])
            #expect(leased.first?.attempts == 1)
            let record = try #require(try await redis.queues.job(new.id))
            #expect(record.state == .active && record.attempts == 1)
            #expect(try await store.complete(queue: q, [Completion(id: new.id, token: leased[0].token)]).completed == [true])
            await impatient.shutdown()
        }
    }

    /// Enqueueing the same job again (same id: a retry after a lost reply) returns the first
    /// copy and writes nothing.
    @Test func repeatedEnqueueOfTheSameJobCreatesOneJob() async throws {
        try await TestRedis.with { redis in
            let new = job()
            let first = try await redis.queues.enqueue(new)
            let second = try await redis.queues.enqueue(new)
            #expect(first.created && !second.created)
            #expect(second.id == new.id && second.state == .pending)
            #expect(try await redis.queues.status(q).counts.pending == 1)
            #expect(try await redis.queues.readEvents(q, count: 100).events.count == 1)
        }
    }

    /// A repeated ack answers as the first did and adds no second completion; an ack with an
    /// empty token used to complete a completed job once more.
    @Test func repeatedAckAnswersAgainAndEmptyTokenCompletesNothing() async throws {
        try await TestRedis.with { redis in
            let new = job()
            _ = try await redis.queues.enqueue(new)
            let leased = try #require(try await redis.queues.lease(queue: q, count: 1, visibilityMs: 30_000, worker: "w").first)
            let ack = Completion(id: leased.id, token: leased.token, result: "1")
            let first = try await redis.queues.complete(queue: q, [ack])
            #expect(first.completed == [true] && first.repeated == [false])
            let second = try await redis.queues.complete(queue: q, [ack])
            #expect(second.completed == [true] && second.repeated == [true])
            let empty = Completion(id: leased.id, token: LeaseToken(""))
            #expect(try await redis.queues.complete(queue: q, [empty]).completed == [false])
            let kinds = try await redis.queues.readEvents(q, count: 100).events.map(\.kind)
            #expect(kinds == [.enqueued, .started, .completed])
            #expect(try await redis.queues.status(q).counts.completed == 1)
        }
    }

    /// A repeated fail returns the first outcome and records one failure.
    @Test func repeatedFailAnswersAgainAndRecordsOneFailure() async throws {
        try await TestRedis.with { redis in
            let retried = job(maxAttempts: 3)
            let dead = job(maxAttempts: 1)
            _ = try await redis.queues.enqueue([retried, dead])
            let leased = try await redis.queues.lease(queue: q, count: 2, visibilityMs: 30_000, worker: "w")
            for lease in leased {
                let reply = try await redis.queues.failReply(queue: q, LeaseRef(lease), error: "boom", retryable: true, retryDelayMs: 60_000)
                let again = try await redis.queues.failReply(queue: q, LeaseRef(lease), error: "boom", retryable: true, retryDelayMs: 60_000)
                #expect(!reply.repeated && again.repeated)
                let first = reply.outcome
                let second = again.outcome
                #expect(first == second)
                #expect(first == (lease.id == dead.id ? .dead : .retrying(atMs: (try? first.retryAt()) ?? 0)))
            }
            let failures = try await redis.queues.readEvents(q, count: 100).events.filter { $0.error != nil }
            #expect(failures.count == 2)
        }
    }

    /// Acks beyond Lua's `unpack` limit (about 8 000 values) used to fail after the first jobs were
    /// already marked completed; leasing as many at once failed the same way. Both go through now.
    @Test func tenThousandAcksInOneFlushAllComplete() async throws {
        try await TestRedis.with { redis in
            let jobs = (0..<10_000).map { _ in job() }
            for start in stride(from: 0, to: jobs.count, by: 1000) {
                _ = try await redis.queues.enqueue(Array(jobs[start..<start + 1000]))
            }
            // Leased 1 000 at a time (a worker's most): one 10 000-job lease holds Redis for
            // seconds, long enough to time out every other test's calls.
            var leased: [LeasedJob] = []
            while leased.count < jobs.count {
                leased += try await redis.queues.lease(queue: q, count: 1000, visibilityMs: 60_000, worker: "w")
            }
            #expect(leased.count == 10_000)
            #expect(try await redis.queues.status(q).counts.active == 10_000)
            let outcome = try await redis.queues.complete(queue: q, leased.map { Completion(id: $0.id, token: $0.token) })
            #expect(outcome.completed.count == 10_000 && outcome.completed.allSatisfy { $0 })
            let counts = try await redis.queues.status(q).counts
            #expect(counts.active == 0 && counts.pending == 0 && counts.completed == 10_000)
        }
    }

    /// Ids left in `leased` or in a ready list by a half-applied call (their job already
    /// completed) are dropped, not run again with a record that expires.
    @Test func reclaimAndLeaseDropIdsWhoseJobIsNoLongerWaitingForThem() async throws {
        try await TestRedis.with { redis in
            let new = job()
            _ = try await redis.queues.enqueue(new)
            let leased = try #require(try await redis.queues.lease(queue: q, count: 1, visibilityMs: 30_000, worker: "w").first)
            _ = try await redis.queues.complete(queue: q, [Completion(id: leased.id, token: leased.token)])
            let k = redis.keys.queue(q)
            _ = try await redis.client.command(["ZADD", k.leased, "1", new.id.rawValue])
            #expect(try await redis.queues.reclaimExpired(q).moved == 0)
            _ = try await redis.client.command(["RPUSH", k.ready(5), new.id.rawValue])
            #expect(try await redis.queues.lease(queue: q, count: 1, visibilityMs: 30_000, worker: "w").isEmpty)
            #expect(try await redis.queues.job(new.id)?.state == .completed)
            #expect(try await redis.queues.status(q).counts == QueueCounts(completed: 1))
        }
    }
}

extension FailOutcome {
    func retryAt() throws -> Int64 {
        guard case .retrying(let at) = self else { throw RedisError(code: .unexpectedReply, message: "\(self)") }
        return at
    }
}
