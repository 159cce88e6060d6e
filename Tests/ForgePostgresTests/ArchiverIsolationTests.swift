import ForgeCore
import ForgePostgres
import ForgeRedis
import ForgeScheduler
import Foundation
import Synchronization
import Testing

/// One queue whose history Postgres keeps refusing, for whatever reason, must not stop history
/// for the others, and is dealt with in a bounded number of tries (issue 17, item 2).
@Suite struct ArchiverIsolationTests {
    /// A trigger makes Postgres refuse every `jobs` row matching `condition` (on `NEW`) with `sqlState`.
    static func refuse(_ postgres: PostgresClient, where condition: String, sqlState: String) async throws {
        try await postgres.query(
            """
            CREATE FUNCTION refuse_rows() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF \(condition) THEN RAISE EXCEPTION 'refused for the test' USING ERRCODE = '\(sqlState)'; END IF;
                RETURN NEW;
            END $$
            """
        )
        try await postgres.query(
            "CREATE TRIGGER refuse_rows BEFORE INSERT OR UPDATE ON jobs FOR EACH ROW EXECUTE FUNCTION refuse_rows()"
        )
    }

    /// Every row of queue `poisoned` refused with `sqlState`.
    static func poison(_ postgres: PostgresClient, sqlState: String) async throws {
        try await refuse(postgres, where: "NEW.queue = 'poisoned'", sqlState: sqlState)
    }

    /// With only the poisoned queue holding pending entries, every drain used to throw before it
    /// read another queue's new entries: history stopped for every queue, and then back-pressure
    /// refused every enqueue.
    @Test(arguments: ["54000", "57014", "XX000", "08006"])
    func otherQueuesKeepArchivingWhileOneFails(sqlState: String) async throws {
        try await withArchiver { store, history, postgres, clock in
            try await Self.poison(postgres, sqlState: sqlState)
            let archiver = HistoryArchiver(queues: store, history: history, now: { clock.now })
            _ = try await store.enqueue(try NewJob(queue: "poisoned", type: "noop"))
            _ = try? await archiver.drain()
            #expect(archiver.troubledQueues.map(\.rawValue) == ["poisoned"])
            for round in 0..<3 {
                let fine = try await store.enqueue(try NewJob(queue: "fine", type: "noop"))
                clock.advance(by: .seconds(10))  // the poisoned queue is due again each round
                _ = try? await archiver.drain()
                #expect(try await history.job(fine.id) != nil, "round \(round), SQLSTATE \(sqlState)")
            }
        }
    }

    /// A failure that is not Postgres being out of reach (here a program limit, as a `jsonb`
    /// value past its size limit gives) used to be replayed forever; after a few tries in a row
    /// the job at fault is found and quarantined with the reason, and the queue's other jobs are
    /// archived.
    @Test(arguments: ["54000", "57014"])
    func aJobPostgresKeepsRefusingIsQuarantinedAfterBoundedTries(sqlState: String) async throws {
        try await withArchiver { store, history, postgres, clock in
            let archiver = HistoryArchiver(queues: store, history: history, suspectTries: 3, now: { clock.now })
            try await Self.refuse(postgres, where: "NEW.type = 'poison'", sqlState: sqlState)
            let good = try await store.enqueue([try NewJob(queue: "mixed", type: "noop"), try NewJob(queue: "mixed", type: "noop")])
            let bad = try await store.enqueue(try NewJob(queue: "mixed", type: "poison"))
            var tries = 0
            while try await store.eventBacklog(try QueueName("mixed")) > 0, tries < 10 {
                _ = try? await archiver.drain()
                clock.advance(by: .seconds(10))
                tries += 1
            }
            #expect(tries == 4, "three failed tries, then the fourth isolates the job")
            for job in good { #expect(try await history.job(job.id)?.state == .pending) }
            let quarantined = try await postgres.query("SELECT job_id::text, sql_state FROM history_quarantine")
            #expect(quarantined.rows == [[bad.id.rawValue, sqlState]])
            #expect(archiver.troubledQueues.isEmpty)
        }
    }

    /// An outage is never taken for the data's fault: nothing is quarantined, and the entries
    /// stay until Postgres is back.
    @Test func anOutageIsRetriedAndNothingQuarantined() async throws {
        try await withArchiver { store, history, postgres, clock in
            try await Self.poison(postgres, sqlState: "57P01")
            let archiver = HistoryArchiver(queues: store, history: history, suspectTries: 1, now: { clock.now })
            let job = try await store.enqueue(try NewJob(queue: "poisoned", type: "noop"))
            for _ in 0..<4 {
                await #expect(throws: PostgresError.self) { try await archiver.drain() }
                clock.advance(by: .seconds(10))
            }
            #expect(try await postgres.query("SELECT count(*) FROM history_quarantine").rows == [["0"]])
            try await postgres.query("DROP TRIGGER refuse_rows ON jobs")
            try await archiver.drain()
            #expect(try await history.job(job.id)?.state == .pending)
        }
    }

    /// A job failing again and again (here revived from the dead-letter queue each time) kept
    /// every error forever; the row keeps the last 20 and counts the rest.
    @Test func aJobsErrorsAreBounded() async throws {
        try await withArchiver { store, history, _, clock in
            let archiver = HistoryArchiver(queues: store, history: history, now: { clock.now })
            let queue = try QueueName("flaky")
            let job = try await store.enqueue(try NewJob(queue: "flaky", type: "noop", maxAttempts: 1))
            for attempt in 1...25 {
                let leased = try await store.lease(queue: queue, count: 1, visibilityMs: 30_000, worker: "w")
                let lease = try #require(leased.first)
                _ = try await store.fail(queue: queue, LeaseRef(lease), error: "failure \(attempt)", retryable: false, retryDelayMs: 0)
                // Archive in between now and then, so both the insert and the update bound it.
                if attempt % 7 == 0 { try await archiver.drain() }
                #expect(try await store.reviveDead(job.id, queue: queue))
            }
            try await archiver.drain()
            let record = try #require(try await history.job(job.id))
            #expect(record.errors.map(\.message) == (6...25).map { "failure \($0)" })
            #expect(record.errorsOmitted == 5)
        }
    }

    private func withArchiver(
        _ body: (QueueStore, HistoryStore, PostgresClient, TestClock) async throws -> Void
    ) async throws {
        try await withStoreAndHistory { store, history, postgres in try await body(store, history, postgres, TestClock()) }
    }
}

/// A clock the test moves by hand.
final class TestClock: Sendable {
    private let instant = Mutex(ContinuousClock.now)
    var now: ContinuousClock.Instant { instant.withLock { $0 } }
    func advance(by duration: Duration) { instant.withLock { $0 += duration } }
}
