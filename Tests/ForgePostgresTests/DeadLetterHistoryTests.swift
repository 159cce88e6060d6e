import ForgeCore
import ForgePostgres
import ForgeRedis
import ForgeScheduler
import ForgeTestSupport
import Foundation
import Testing

/// Dead letters outlive history retention (180 against 14 days by default); what happens to
/// them in Redis afterwards must not leave rows retention never deletes (issue 17, item 6).
@Suite struct DeadLetterHistoryTests {
    /// A `removed` event of a job history had let go inserted a row with no type, payload or
    /// finish time.
    @Test func aDeadLetterRemovedAfterRetentionLeavesNoRow() async throws {
        try await TestDatabase.withSchema { postgres in
            let redis = RedisClient(configuration: HistoryArchiverTests.redisConfiguration)
            let store = QueueStore(redis: redis, keys: KeySpace(namespace: "t-\(UUID().uuidString.prefix(8).lowercased())"))
            let history = HistoryStore(client: postgres)
            let archiver = HistoryArchiver(queues: store, history: history)
            let queue = try QueueName("dead-end")
            let job = try await store.enqueue(try NewJob(queue: "dead-end", type: "noop", maxAttempts: 1))
            let lease = try #require(try await store.lease(queue: queue, count: 1, visibilityMs: 30_000, worker: "w").first)
            _ = try await store.fail(queue: queue, LeaseRef(lease), error: "no", retryable: false, retryDelayMs: 0)
            try await archiver.drain()
            #expect(try await history.job(job.id)?.state == .dead)
            // Retention's work, as it does it.
            #expect(try await history.deleteFinished(olderThan: Int64(Date().timeIntervalSince1970 * 1000) + 60_000, limit: 10) == 1)

            #expect(try await store.removeDead(job.id, queue: queue))
            try await archiver.drain()
            #expect(try await history.job(job.id) == nil)
            let events = try await postgres.query("SELECT count(*) FROM job_events WHERE job_id = $1", [job.id.rawValue])
            #expect(events.rows == [["0"]])
            await redis.shutdown()
        }
    }

    /// Rows such placeholders left behind (finished, no finish time) go by their creation time.
    @Test func retentionDeletesFinishedRowsWithoutAFinishTime() async throws {
        try await TestDatabase.withSchema { postgres in
            let history = HistoryStore(client: postgres)
            let id = JobID.generate()
            try await postgres.query(
                """
                INSERT INTO jobs (id, queue, state, created_at, seq) VALUES ($1, 'q', 'dead', now() - interval '30 days', 7)
                """,
                [id.rawValue]
            )
            let cutoff = Int64(Date().timeIntervalSince1970 * 1000) - 14 * 86_400_000
            #expect(try await history.deleteFinished(olderThan: cutoff, limit: 10) == 1)
            #expect(try await history.job(id) == nil)
        }
    }

    /// A revived dead letter's history row comes back from Redis when retention removed it.
    @Test func restoreWritesTheRowOnlyWhenHistoryHasNone() async throws {
        try await TestDatabase.withSchema { postgres in
            let history = HistoryStore(client: postgres)
            let record = JobRecord(
                id: JobID.generate(),
                queue: try QueueName("again"),
                type: "mail.send",
                state: .dead,
                priority: 7,
                payload: #"{"to": "a@b.c"}"#,
                attempts: 3,
                maxAttempts: 3,
                createdAtMs: 1_700_000_000_000,
                finishedAtMs: 1_700_000_100_000,
                lastError: "smtp down"
            )
            #expect(try await history.restore(record))
            #expect(try await history.restore(record) == false, "an existing row is left alone")
            let stored = try #require(try await history.job(record.id))
            #expect(stored.type == "mail.send")
            #expect(stored.payload == #"{"to": "a@b.c"}"#)
            #expect(stored.createdAtMs == 1_700_000_000_000)
            #expect(stored.state == .dead)
        }
    }
}
