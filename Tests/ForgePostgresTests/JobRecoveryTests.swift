import ForgeCore
import ForgeObservability
import ForgePostgres
import ForgeRedis
import ForgeScheduler
import ForgeTestSupport
import Foundation
import Logging
import Testing

/// `forge recover`: a Redis that lost its data gets every unfinished job back from Postgres
/// history, as it was (order, due times, attempts, timeout, backoff), a running one as a lost
/// lease, and never a second copy of a job Redis still has.
@Suite struct JobRecoveryTests {
    @Test func everyUnfinishedJobComesBackOnceAfterRedisLostItsData() async throws {
        try await TestDatabase.withSchema { postgres in
            let redis = RedisClient(configuration: TestRedis.configuration(poolSize: 4))
            let keys = KeySpace(namespace: "t-\(UUID().uuidString.prefix(8).lowercased())")
            let store = QueueStore(redis: redis, keys: keys)
            let history = HistoryStore(client: postgres)
            let queue = try QueueName("recover")

            // Two running jobs (one on its last attempt), a retrying one, a finished one.
            let running = try NewJob(queue: "recover", type: "run", maxAttempts: 3)
            let lastTry = try NewJob(queue: "recover", type: "run", maxAttempts: 1)
            let flaky = try NewJob(queue: "recover", type: "run", maxAttempts: 5)
            let done = try NewJob(queue: "recover", type: "run")
            _ = try await store.enqueue([running, lastTry, flaky, done])
            let leased = try await store.lease(queue: queue, count: 4, visibilityMs: 60_000, worker: "w")
            #expect(leased.count == 4)
            func lease(_ job: NewJob) throws -> LeasedJob { try #require(leased.first { $0.id == job.id }) }
            _ = try await store.complete(queue: queue, [Completion(id: done.id, token: try lease(done).token)])
            let retry = try await store.fail(queue: queue, LeaseRef(try lease(flaky)), error: "503", retryable: true, retryDelayMs: 600_000)
            // Then waiting ones: three in order (one with its own timeout and backoff), one scheduled.
            let backoff = try Backoff(baseMs: 10, capMs: 20)
            let waiting = try (1...3).map { try NewJob(queue: "recover", type: "wait", payload: "{\"n\":\($0)}", timeoutMs: 1234, backoff: backoff) }
            let later = try NewJob(queue: "recover", type: "later", delayMs: 3_600_000)
            _ = try await store.enqueue(waiting + [later])
            let laterRunAt = try #require(try await store.job(later.id)?.runAtMs)
            _ = try await HistoryArchiver(queues: store, history: history).drain([queue])

            // Redis comes back empty.
            await redis.deleteKeys(of: keys.namespace)
            #expect(try await store.job(running.id) == nil)

            let metrics = ForgeMetrics()
            let recovery = JobRecovery(queues: store, history: history, metrics: metrics, pageSize: 2)
            let outcome = try await recovery.run()
            #expect(outcome == RestoreOutcome(restored: 7, present: 0))
            #expect(try await store.queueNames().contains(queue))
            #expect(try await store.job(done.id) == nil, "a finished job stays finished")

            let state = { (job: NewJob) async throws -> JobRecord? in try await store.job(job.id) }
            #expect(try await state(running)?.state == .pending)
            #expect(try await state(running)?.attempts == 1, "the lost run counts as an attempt")
            #expect(try await state(lastTry)?.state == .dead, "a lost run on the last attempt is the end")
            #expect(try await state(flaky)?.state == .retrying)
            if case .retrying(let at) = retry { #expect(try await state(flaky)?.runAtMs == at) }
            #expect(try await state(later)?.state == .scheduled)
            #expect(try await state(later)?.runAtMs == laterRunAt)

            // The lost run first (it is the oldest), then the waiting jobs in their order, as they were.
            let next = try await store.lease(queue: queue, count: 10, visibilityMs: 60_000, worker: "w")
            #expect(next.map(\.id) == [running.id] + waiting.map(\.id))
            #expect(next.last?.timeoutMs == 1234)
            #expect(next.last?.backoff == backoff)
            #expect(next.last?.payload == #"{"n":3}"#)
            #expect(next.first?.attempts == 2)

            // Again: nothing is duplicated.
            let again = try await recovery.run()
            #expect(again == RestoreOutcome(restored: 0, present: 7))
            let rendered = String(decoding: metrics.render(), as: UTF8.self)
            #expect(rendered.contains(#"forge_recovery_jobs_total{outcome="restored"} 7"#), "\(rendered)")
            #expect(rendered.contains(#"forge_recovery_jobs_total{outcome="present"} 7"#))

            // The rebuilt jobs carry on into history: the lost lease is on record, and completions land.
            _ = try await store.complete(queue: queue, next.map { Completion(id: $0.id, token: $0.token) })
            _ = try await HistoryArchiver(queues: store, history: history).drain([queue])
            #expect(try await history.job(running.id)?.state == .completed)
            #expect(try await history.job(waiting[2].id)?.state == .completed)
            #expect(try await history.job(lastTry.id)?.state == .dead)
            let audit = try await postgres.query("SELECT kind FROM job_events WHERE job_id = $1 ORDER BY seq", [running.id.rawValue])
            #expect(audit.rows.map { $0[0] } == ["lease_expired"])
            await redis.deleteKeys(of: keys.namespace)
            await redis.shutdown()
        }
    }

    /// The leader's watch: a fresh installation records a generation and recovers nothing; a Redis
    /// that comes back empty, or with an older generation, gets its jobs back, once.
    @Test func theLeaderNoticesARedisThatLostItsDataAndRecoversOnce() async throws {
        try await TestDatabase.withSchema { postgres in
            let redis = RedisClient(configuration: TestRedis.configuration(poolSize: 4))
            let keys = KeySpace(namespace: "t-\(UUID().uuidString.prefix(8).lowercased())")
            let store = QueueStore(redis: redis, keys: keys)
            let history = HistoryStore(client: postgres)
            let metrics = ForgeMetrics()
            let watch = RedisLossWatch(
                queues: store,
                history: history,
                metrics: metrics,
                reporter: FailureReporter(metrics: metrics, logger: Logger(label: "test")),
                logger: Logger(label: "test")
            )
            #expect(try await watch.check() == nil)
            let first = try #require(try await history.redisGeneration())
            #expect(try await store.generation() == first)
            #expect(try await watch.check() == nil)

            let jobs = try (0..<5).map { _ in try NewJob(queue: "watched", type: "noop") }
            _ = try await store.enqueue(jobs)
            _ = try await HistoryArchiver(queues: store, history: history).drain([try QueueName("watched")])
            // What else lives only in Redis: a schedule and a paused queue, copied by the next pass.
            let schedules = ScheduleStore(redis: redis, keys: keys)
            let nightly = Schedule(name: "nightly", cron: "0 3 * * *", job: JobTemplate(type: "report", queue: "watched"))
            try await schedules.put(nightly)
            try await store.pause(try QueueName("on-hold"))
            #expect(try await watch.check() == nil)
            #expect(try await history.mirror() == RedisMirror(schedules: [nightly], paused: [try QueueName("on-hold")]))

            await redis.deleteKeys(of: keys.namespace)
            #expect(try await watch.check() == RestoreOutcome(restored: 5, present: 0))
            let second = try #require(try await history.redisGeneration())
            #expect(second != first)
            #expect(try await store.generation() == second)
            #expect(try await store.status(try QueueName("watched")).counts.pending == 5)
            #expect(try await schedules.get("nightly") == nightly)
            #expect(try await store.status(try QueueName("on-hold")).paused)
            #expect(try await watch.check() == nil, "recovered once, not on every pass")

            // An older snapshot: its generation is the one before the recovery.
            try await store.setGeneration(first)
            #expect(try await watch.check() == RestoreOutcome(restored: 0, present: 5))
            #expect(try await store.status(try QueueName("watched")).counts.pending == 5, "no job twice")
            let rendered = String(decoding: metrics.render(), as: UTF8.self)
            #expect(rendered.contains("forge_recoveries_total 2"), "\(rendered)")
            await redis.deleteKeys(of: keys.namespace)
            await redis.shutdown()
        }
    }
}
