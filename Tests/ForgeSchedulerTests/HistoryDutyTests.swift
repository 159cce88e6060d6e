import ForgeCore
import ForgeObservability
import ForgePostgres
import ForgeRedis
import ForgeScheduler
import ForgeTestSupport
import Testing

@Suite struct HistoryDutyTests {
    @Test func archiverServiceMovesEventsToPostgres() async throws {
        try await TestRedis.with { redis in
            try await TestDatabase.withSchema { client in
                let metrics = ForgeMetrics()
                let history = HistoryStore(client: client)
                let service = ArchiverService(
                    archiver: HistoryArchiver(queues: redis.queues, history: history),
                    metrics: metrics,
                    idleInterval: .milliseconds(20),
                    reporter: reporter(metrics),
                    logger: testLogger
                )
                let results = try await redis.queues.enqueue((0..<3).map { _ in newJob(queue: "archive") })
                let running = Task { await service.run() }
                defer { running.cancel() }
                // Rows land first, then the stream entries are acknowledged.
                let archived = try await eventually {
                    for result in results where try await history.job(result.id) == nil { return false }
                    return try await redis.queues.eventBacklog(try QueueName("archive")) == 0
                }
                #expect(archived)
                let record = try await history.job(results[0].id)
                #expect(record?.state == .pending)
            }
        }
    }

    /// The lag used to move only after a successful archive pass, so it read 0 (or stayed
    /// frozen) for the whole of a Postgres outage. It is measured from Redis now.
    @Test func historyLagAndBacklogGrowWhilePostgresIsDown() async throws {
        try await TestRedis.with { redis in
            let metrics = ForgeMetrics()
            let unreachable = PostgresClient(
                configuration: try PostgresConfiguration(url: "postgres://forge@127.0.0.1:1/forge", connectTimeoutSeconds: 1)
            )
            defer { Task { await unreachable.shutdown() } }
            let archiver = ArchiverService(
                archiver: HistoryArchiver(queues: redis.queues, history: HistoryStore(client: unreachable)),
                metrics: metrics,
                idleInterval: .milliseconds(20),
                reporter: reporter(metrics),
                logger: testLogger
            )
            let sampler = HistoryBacklogSampler(
                queues: redis.queues,
                metrics: metrics,
                limitBytes: 0,
                interval: .milliseconds(50),
                reporter: reporter(metrics),
                logger: testLogger
            )
            _ = try await redis.queues.enqueue((0..<5).map { _ in newJob(queue: "outage") })
            let running = Task {
                await withDiscardingTaskGroup { group in
                    group.addTask { await archiver.run() }
                    group.addTask { await sampler.run() }
                }
            }
            defer { running.cancel() }
            let lagging = await eventually(timeout: .seconds(20)) {
                (metricValue(metrics, "forge_history_lag_seconds") ?? 0) >= 0.3
                    && (metricValue(metrics, "forge_history_backlog_entries") ?? 0) >= 1
                    && (metricValue(metrics, "forge_history_backlog_bytes") ?? 0) > 0
                    && (metricValue(metrics, "forge_postgres_errors_total") ?? 0) >= 1
            }
            #expect(lagging)
        }
    }

    /// While a queue's unarchived history is over the limit its enqueues are refused, so Redis
    /// memory stays bounded through a Postgres outage; they are accepted again once it is archived.
    @Test func enqueueIsRefusedWhileTheHistoryBacklogIsOverItsLimit() async throws {
        try await TestRedis.with { redis in
            try await TestDatabase.withSchema { client in
                let metrics = ForgeMetrics()
                let queue = try QueueName("bounded")
                let sampler = HistoryBacklogSampler(
                    queues: redis.queues,
                    metrics: metrics,
                    limitBytes: 1,
                    reporter: reporter(metrics),
                    logger: testLogger
                )
                _ = try await redis.queues.enqueue(newJob(queue: "bounded"))
                #expect(try await sampler.sampleOnce().backpressured == [queue])
                await #expect(throws: QueueError.self) { try await redis.queues.enqueue(newJob(queue: "bounded")) }
                #expect(try await redis.queues.status(queue).counts.pending == 1)
                #expect(metricValue(metrics, "forge_history_backpressure_queues") == 1)

                let archiver = HistoryArchiver(queues: redis.queues, history: HistoryStore(client: client))
                try await archiver.drain()
                // The queue left the unarchived index with its stream; a pass that follows the
                // index must still read the queue it holds back, or the flag would never clear.
                // (A cluster keeps no index: every queue is read.)
                #expect(try await redis.queues.unarchivedQueues().isEmpty || TestRedis.isCluster)
                #expect(try await sampler.sampleOnce(everyQueue: false).backpressured == [])
                #expect(try await redis.client.command(["EXISTS", redis.keys.queue(queue).backpressure]).int == 0)
                _ = try await redis.queues.enqueue(newJob(queue: "bounded"))
                #expect(try await redis.queues.status(queue).counts.pending == 2)
            }
        }
    }

    @Test func retentionDeletesOnlyOldFinishedJobs() async throws {
        try await TestDatabase.withSchema { client in
            let history = HistoryStore(client: client)
            let day: Int64 = 86_400_000
            let t0: Int64 = 1_700_000_000_000
            let oldDone = JobID.generate()
            let oldActive = JobID.generate()
            let recentDone = JobID.generate()
            try await history.record(try lifecycle(oldDone, at: t0, finished: true))
            try await history.record(try lifecycle(oldActive, at: t0, finished: false))
            try await history.record(try lifecycle(recentDone, at: t0 + 10 * day, finished: true))

            let metrics = ForgeMetrics()
            let retention = Retention(
                history: history,
                days: 14,
                batch: 1,
                now: { t0 + 15 * day },
                reporter: reporter(metrics),
                logger: testLogger
            )
            #expect(try await retention.purgeOnce().deleted == 1)
            #expect(try await history.job(oldDone) == nil)
            #expect(try await history.job(oldActive)?.state == .active)
            #expect(try await history.job(recentDone)?.state == .completed)
            #expect(try await retention.purgeOnce().deleted == 0)
        }
    }

    /// Old jobs that are not finished used to be read again by every retention step and pass;
    /// now a sweep looks at each once and later passes start where it stopped.
    @Test func retentionLooksAtOldUnfinishedJobsOncePerSweep() async throws {
        try await TestDatabase.withSchema { client in
            let history = HistoryStore(client: client)
            let day: Int64 = 86_400_000
            let t0: Int64 = 1_700_000_000_000
            var events: [JobEvent] = []
            for index in 0..<250 { events += try lifecycle(JobID.generate(), at: t0 + Int64(index), finished: false) }
            let done = (0..<5).map { _ in JobID.generate() }
            for (index, id) in done.enumerated() { events += try lifecycle(id, at: t0 + 1_000 + Int64(index), finished: true) }
            try await history.record(events)

            let metrics = ForgeMetrics()
            let clock = TestClock(t0 + 15 * day)
            let retention = Retention(
                history: history,
                days: 14,
                batch: 100,
                now: clock.closure,
                reporter: reporter(metrics),
                logger: testLogger
            )
            let first = try await retention.purgeOnce()
            #expect(first.deleted == 5 && first.scanned == 255)
            // Nothing new became old: the next pass looks at nothing.
            #expect(try await retention.purgeOnce().scanned == 0)
            let late = JobID.generate()
            try await history.record(try lifecycle(late, at: t0 + 2 * day, finished: true))
            clock.now = t0 + 17 * day
            let next = try await retention.purgeOnce()
            #expect(next.deleted == 1 && next.scanned == 1)
        }
    }

    /// Enqueued and started at `at`; completed 20 ms later when `finished`.
    func lifecycle(_ id: JobID, at: Int64, finished: Bool) throws -> [JobEvent] {
        let queue = try QueueName("archive")
        var events = [
            JobEvent(
                streamID: "\(at)-1",
                jobID: id,
                queue: queue,
                seq: 1,
                kind: .enqueued,
                state: .pending,
                atMs: at,
                attempts: 0,
                type: "noop",
                payload: "{}",
                priority: 5,
                maxAttempts: 3
            ),
            JobEvent(streamID: "\(at)-2", jobID: id, queue: queue, seq: 2, kind: .started, state: .active, atMs: at + 10, attempts: 1),
        ]
        if finished {
            events.append(JobEvent(streamID: "\(at)-3", jobID: id, queue: queue, seq: 3, kind: .completed, state: .completed, atMs: at + 20))
        }
        return events
    }
}
