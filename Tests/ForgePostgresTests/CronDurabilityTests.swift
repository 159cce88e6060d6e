import ForgeCore
import ForgeObservability
import ForgePostgres
import ForgeRedis
import ForgeScheduler
import ForgeTestSupport
import Foundation
import Logging
import Synchronization
import Testing

/// `FORGE_DURABILITY=postgres` for the jobs cron schedules make: a tick's job has its history row
/// before Redis sees it, as an enqueued job does, and a tick Redis did not create leaves no row.
@Suite struct CronDurabilityTests {
    let t0: Int64 = 1_700_000_000_000

    @Test func aTickHasItsHistoryRowBeforeRedisAndATickRedisDidNotCreateLeavesNone() async throws {
        try await TestDatabase.withSchema { postgres in
            let redis = RedisClient(configuration: TestRedis.configuration(poolSize: 4))
            let keys = KeySpace(namespace: "t-\(UUID().uuidString.prefix(8).lowercased())")
            let queues = QueueStore(redis: redis, keys: keys)
            let schedules = ScheduleStore(redis: redis, keys: keys)
            let history = HistoryStore(client: postgres)
            let clock = Mutex(t0 + 300)
            let metrics = ForgeMetrics()
            let cron = CronFirer(
                schedules: schedules,
                queues: queues,
                maxQueues: 1,
                history: history,
                now: { clock.withLock { $0 } },
                metrics: metrics,
                reporter: FailureReporter(metrics: metrics, logger: Logger(label: "test")),
                logger: Logger(label: "test")
            )
            func rows() async throws -> [[String?]] { try await postgres.query("SELECT count(*) FROM jobs").rows }

            // The queue limit (1) is taken by cron-q: the other schedule's ticks are refused.
            _ = try await queues.enqueue(try NewJob(queue: "cron-q", type: "seed"))
            try await schedules.put(Schedule(name: "tick", cron: "* * * * * *", job: JobTemplate(type: "report", queue: "cron-q")))
            try await schedules.put(Schedule(name: "elsewhere", cron: "* * * * * *", job: JobTemplate(type: "report", queue: "new-q")))
            #expect(try await cron.fireOnce().isEmpty)

            clock.withLock { $0 = t0 + 1300 }
            let fired = try await cron.fireOnce()
            #expect(fired.map(\.schedule) == ["tick"])
            // No archiver ran: the row is the one committed before the enqueue.
            let row = try #require(try await history.job(fired[0].id))
            #expect(row.state == .pending && row.type == "report")
            #expect(try await rows() == [["1"]], "the refused tick's row was dropped")

            // Another replica enqueued the next tick first: Redis answers with its job, and this
            // firer's row for the same tick goes.
            let holder = try NewJob(queue: "cron-q", type: "report", uniqueKey: "cron:tick:\(t0 + 2000)", uniqueForMs: CronFirer.uniqueForMs)
            _ = try await queues.enqueue(holder)
            clock.withLock { $0 = t0 + 2300 }
            let again = try await cron.fireOnce()
            #expect(again.map(\.created) == [false] && again.map(\.id) == [holder.id])
            #expect(try await rows() == [["1"]])
        }
    }
}
