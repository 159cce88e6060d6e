import ForgeCore
import ForgePostgres
import ForgeRedis
import ForgeScheduler
import ForgeTestSupport
import Foundation
import Testing

/// One bad value, one new queue or one busy queue must never stop history for the others
/// (issue 8, items 1 and 2).
@Suite struct ArchiverResilienceTests {
    /// A result holding U+0000 (valid JSON, refused by `jsonb`) and an error text holding a NUL
    /// character used to fail the whole batch on every replay, so no queue was archived again.
    @Test func nullCharactersInResultsAndErrorsDoNotStallHistory() async throws {
        try await withArchiver { store, history, archiver, postgres in
            let bad = try QueueName("bad")
            let good = try QueueName("good")
            let done = try NewJob(queue: "bad", type: "report")
            let failing = try NewJob(queue: "bad", type: "webhook", maxAttempts: 1)
            _ = try await store.enqueue([done, failing])
            let leased = try await store.lease(queue: bad, count: 2, visibilityMs: 30_000, worker: "w")
            let first = try #require(leased.first { $0.id == done.id })
            let second = try #require(leased.first { $0.id == failing.id })
            _ = try await store.complete(queue: bad, [Completion(id: first.id, token: first.token, result: #"{"x":"a\u0000b"}"#)])
            _ = try await store.fail(queue: bad, LeaseRef(second), error: "nul\u{0}byte", retryable: false, retryDelayMs: 0)
            let fine = try await store.enqueue(try NewJob(queue: "good", type: "noop"))

            for _ in 0..<3 { _ = try? await archiver.drain() }

            #expect(try await store.eventBacklog(bad) == 0)
            #expect(try await store.eventBacklog(good) == 0)
            #expect(try await history.job(fine.id)?.state == .pending)
            let completed = try #require(try await history.job(done.id))
            #expect(completed.state == .completed)
            // Kept losslessly: the original JSON text, as a JSON string.
            let stored = try await postgres.query("SELECT result #>> '{}' FROM jobs WHERE id = $1", [done.id.rawValue])
            #expect(stored.rows.first?.first == #"{"x":"a\u0000b"}"#)
            let dead = try #require(try await history.job(failing.id))
            #expect(dead.state == .dead)
            #expect(dead.errors.map(\.message) == ["nul\u{FFFD}byte"])
        }
    }

    /// A value Postgres refuses that no check in Swift foresaw (here a priority beyond `smallint`,
    /// written straight into the stream) is isolated: the job's events go to the quarantine table
    /// with the reason, the rest of the batch is archived, and nothing is left pending.
    @Test func poisonEventIsQuarantinedAndTheRestOfTheBatchArchived() async throws {
        try await withArchiver { store, history, archiver, postgres in
            let queue = try QueueName("mixed")
            let before = try await store.enqueue((0..<3).map { _ in try! NewJob(queue: "mixed", type: "noop") })
            let poison = JobID.generate()
            let record = [
                poison.rawValue, "1", "enqueued", "pending", "1700000000000", "0", "1700000000000", "", "",
                "40000", "3", "noop\u{1F}30000\u{1F}1000\u{1F}3600000\u{1F}\u{1F}{}",
            ].joined(separator: "\u{1F}")
            _ = try await store.redis.command(["XADD", store.keys.queue(queue).events, "*", "e", record])
            let after = try await store.enqueue((0..<3).map { _ in try! NewJob(queue: "mixed", type: "noop") })

            let pass = try await archiver.archiveOnce()
            #expect(pass.quarantined.count == 1)
            #expect(try await store.eventBacklog(queue) == 0)
            for result in before + after { #expect(try await history.job(result.id)?.state == .pending) }
            let quarantined = try await postgres.query(
                "SELECT job_id::text, seq, queue, kind, sql_state, reason FROM history_quarantine"
            )
            #expect(quarantined.rows.count == 1)
            let row = try #require(quarantined.rows.first)
            #expect(Array(row.prefix(5)) == [poison.rawValue, "1", "mixed", "enqueued", "22003"])
            #expect(row[5]?.contains("smallint") == true)
            #expect(try await history.job(poison) == nil)
        }
    }

    /// The archiver used to read the queue registry once per drain and loop while any queue had
    /// events, so under steady load a queue created later was never archived. Here one drain call
    /// is kept busy (every pass enqueues more into `busy`, which the pipelined read of the pass
    /// after next finds) and a queue is created during its first pass.
    @Test func newQueueIsArchivedWhileAnotherQueueStaysBusy() async throws {
        try await withArchiver { store, history, archiver, _ in
            for _ in 0..<120 { _ = try await store.enqueue(try NewJob(queue: "busy", type: "noop")) }
            let late = try NewJob(queue: "late", type: "noop")
            var passes = 0
            var seenAtPass: Int?
            _ = try await archiver.drain { _ in
                passes += 1
                if passes == 1 { _ = try? await store.enqueue(late) }
                if seenAtPass == nil, (try? await history.job(late.id)) != nil { seenAtPass = passes }
                if seenAtPass == nil && passes < 100 { _ = try? await store.enqueue(try! NewJob(queue: "busy", type: "noop")) }
            }
            #expect(seenAtPass != nil)
        }
    }

    /// Runs `body` with a store in a namespace of its own, a migrated schema and an archiver.
    private func withArchiver(
        _ body: (QueueStore, HistoryStore, HistoryArchiver, PostgresClient) async throws -> Void
    ) async throws {
        try await withStoreAndHistory { store, history, postgres in
            try await body(store, history, HistoryArchiver(queues: store, history: history), postgres)
        }
    }
}

/// Runs `body` with a queue store in a Redis namespace of its own and the history of a migrated
/// schema of its own; removes both afterwards.
func withStoreAndHistory(_ body: (QueueStore, HistoryStore, PostgresClient) async throws -> Void) async throws {
    try await TestDatabase.withSchema { postgres in
        let redis = RedisClient(configuration: HistoryArchiverTests.redisConfiguration)
        let keys = KeySpace(namespace: "t-\(UUID().uuidString.prefix(8).lowercased())")
        let store = QueueStore(redis: redis, keys: keys)
        let result: Result<Void, any Error>
        do { result = .success(try await body(store, HistoryStore(client: postgres), postgres)) } catch { result = .failure(error) }
        await redis.deleteKeys(of: keys.namespace)
        await redis.shutdown()
        try result.get()
    }
}
