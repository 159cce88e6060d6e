import ForgeCore
import ForgePostgres
import ForgeScheduler
import Testing

/// The archiver's per-queue failure rules, without Postgres or sleeps (issue 17, item 2).
@Suite struct ArchiveTroublesTests {
    let queue = try! QueueName("q")
    let start = ContinuousClock.now

    static func failure(_ sqlState: String?, code: PostgresError.Code = .query) -> ArchiveTroubles.Failure {
        ArchiveTroubles.Failure(PostgresError(code: code, message: "test", sqlState: sqlState))
    }

    @Test func failuresAreSortedByWhatRetryingCanChange() {
        #expect(Self.failure("22P02") == .refusedData)
        #expect(Self.failure("23505") == .refusedData)
        #expect(Self.failure("54000") == .suspect)
        #expect(Self.failure("57014", code: .timeout) == .suspect)
        #expect(Self.failure("XX000") == .suspect)
        for outage in ["08006", "57P01", "53300", "42P01", "3F000", "40001", "25006", "28P01"] {
            #expect(Self.failure(outage) == .outage, "\(outage)")
        }
        #expect(Self.failure(nil, code: .connectionFailed) == .outage)
        #expect(ArchiveTroubles.Failure(CancellationError()) == .outage)
    }

    @Test func aFailedQueueWaitsOutADoublingBackoff() {
        var troubles = ArchiveTroubles(maxBackoff: .seconds(5))
        troubles.failed(queue, .outage, at: start)
        #expect(!troubles.isDue(queue, at: start + .milliseconds(999)))
        #expect(troubles.isDue(queue, at: start + .seconds(1)))
        troubles.failed(queue, .outage, at: start + .seconds(1))
        #expect(!troubles.isDue(queue, at: start + .milliseconds(2_999)))
        for _ in 0..<10 { troubles.failed(queue, .outage, at: start) }
        #expect(troubles.isDue(queue, at: start + .seconds(5)), "capped")
        #expect(!troubles.shouldIsolate(queue), "an outage is never the data's fault")
        troubles.succeeded(queue)
        #expect(troubles.isDue(queue, at: start))
        #expect(troubles.queues.isEmpty)
    }

    @Test func isolationComesAtOnceForDataAndAfterBoundedTriesOtherwise() {
        var troubles = ArchiveTroubles(suspectTries: 3)
        troubles.failed(queue, .refusedData, at: start)
        #expect(troubles.shouldIsolate(queue))
        troubles.succeeded(queue)
        troubles.failed(queue, .suspect, at: start)
        troubles.failed(queue, .suspect, at: start)
        #expect(!troubles.shouldIsolate(queue))
        troubles.failed(queue, .suspect, at: start)
        #expect(troubles.shouldIsolate(queue))
        let other = try! QueueName("other")
        #expect(troubles.isDue(other, at: start), "other queues are untouched")
    }
}
