import ForgeCore
import ForgePostgres
import ForgeRedis
import ForgeScheduler
import ForgeTestSupport
import Foundation
import Synchronization
import Testing

@Suite struct HistoryArchiverTests {
    static var redisConfiguration: RedisConfiguration { TestRedis.configuration(poolSize: 4) }

    /// Runs a job through Redis, "crashes" the archiver after its Postgres write but before it
    /// acknowledged the stream entries, and archives again: history is written exactly once.
    @Test func eventsAreArchivedExactlyOnceWhenABatchIsReplayed() async throws {
        try await TestDatabase.withSchema { postgres in
            let redis = RedisClient(configuration: Self.redisConfiguration)
            let keys = KeySpace(namespace: "t-\(UUID().uuidString.prefix(8).lowercased())")
            let store = QueueStore(redis: redis, keys: keys)
            let history = HistoryStore(client: postgres)
            let queue = try QueueName("archive")

            let ok = try NewJob(queue: "archive", type: "report.build", payload: #"{"month":"2026-10"}"#)
            let flaky = try NewJob(queue: "archive", type: "webhook", maxAttempts: 2)
            _ = try await store.enqueue([ok, flaky])
            var leased = try await store.lease(queue: queue, count: 2, visibilityMs: 30_000, worker: "w")
            let first = try #require(leased.first { $0.id == ok.id })
            let second = try #require(leased.first { $0.id == flaky.id })
            _ = try await store.complete(queue: queue, [Completion(id: first.id, token: first.token, result: #"{"rows":7}"#)])
            _ = try await store.fail(queue: queue, LeaseRef(second), error: "HTTP 503", retryable: true, retryDelayMs: 0)
            _ = try await store.promoteDue(queue)
            leased = try await store.lease(queue: queue, count: 1, visibilityMs: 30_000, worker: "w")
            _ = try await store.fail(queue: queue, LeaseRef(try #require(leased.first)), error: "HTTP 500", retryable: true, retryDelayMs: 0)

            // The crash: written to Postgres, never acknowledged.
            let batch = try await store.readEvents(queue, count: 100)
            try await history.record(batch.events)
            let before = try await postgres.query("SELECT id, state, seq, errors::text, attempts FROM jobs ORDER BY id")

            let archiver = HistoryArchiver(queues: store, history: history, batchSize: 3)
            let archived = try await archiver.drain([queue])
            #expect(archived == batch.entryIDs.count)
            #expect(try await store.eventBacklog(queue) == 0)

            let after = try await postgres.query("SELECT id, state, seq, errors::text, attempts FROM jobs ORDER BY id")
            #expect(after.rows == before.rows)
            let done = try #require(try await history.job(ok.id))
            #expect(done.state == .completed)
            #expect(done.type == "report.build")
            #expect(done.result?.contains("7") == true)
            let dead = try #require(try await history.job(flaky.id))
            #expect(dead.state == .dead)
            #expect(dead.attempts == 2)
            #expect(dead.errors.map(\.message) == ["HTTP 503", "HTTP 500"])
            let audit = try await postgres.query("SELECT kind FROM job_events WHERE job_id = $1 ORDER BY seq", [flaky.id.rawValue])
            #expect(audit.rows.map { $0[0] } == ["retried", "died"])

            await redis.deleteKeys(of: keys.namespace)
            await redis.shutdown()
        }
    }

    /// A drain stops once a read finds no full batch, even while events keep arriving: the
    /// service then pauses and archives what arrived meanwhile as one batch. Draining until a
    /// read came back empty never ended under a steady trickle, and archived it a few events
    /// per Redis read, Postgres transaction and acknowledgement (issue 16).
    @Test func aDrainEndsWhileEventsKeepArriving() async throws {
        try await TestDatabase.withSchema { postgres in
            let redis = RedisClient(configuration: Self.redisConfiguration)
            let keys = KeySpace(namespace: "t-\(UUID().uuidString.prefix(8).lowercased())")
            let store = QueueStore(redis: redis, keys: keys)
            let queue = try QueueName("trickle")
            _ = try await store.enqueue([try NewJob(queue: "trickle", type: "noop")])
            // Four producers, so a read rarely finds the stream with nothing new.
            let trickle = Task {
                await withTaskGroup(of: Void.self) { group in
                    for _ in 0..<4 {
                        group.addTask {
                            while !Task.isCancelled {
                                _ = try? await store.enqueue([try NewJob(queue: "trickle", type: "noop")])
                            }
                        }
                    }
                }
            }
            // Batches far bigger than what arrives during one pass: every read after the first
            // comes back short. Without the rule the drain went on while the producers did
            // (hundreds of passes); the watchdog stops them so such a drain still ends.
            let archiver = HistoryArchiver(queues: store, history: HistoryStore(client: postgres), batchSize: 50_000)
            let watchdog = Task {
                try await Task.sleep(for: .seconds(10))
                trickle.cancel()
            }
            let passes = Mutex(0)
            let archived = try await archiver.drain([queue]) { _ in passes.withLock { $0 += 1 } }
            watchdog.cancel()
            trickle.cancel()
            _ = await trickle.result
            #expect(passes.withLock { $0 } <= 3)
            #expect(archived > 0)

            await redis.deleteKeys(of: keys.namespace)
            await redis.shutdown()
        }
    }

}
