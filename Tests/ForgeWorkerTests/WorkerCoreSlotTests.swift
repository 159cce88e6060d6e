import ForgeCore
import ForgeRedis
import ForgeWorker
import Testing

/// The worker's slots, runs and completions, without Redis or a clock (``WorkerCore``).
@Suite struct WorkerCoreSlotTests {
    @Test func reservationsNeverExceedCapacity() throws {
        var fixture = CoreFixture(capacity: 3)
        #expect(fixture.core.reserveForFetch(limit: 2) == 2)
        #expect(fixture.core.reserveForFetch(limit: 5) == 1)
        #expect(fixture.core.reserveForFetch(limit: 5) == 0)
        #expect(fixture.core.reserveForAck(limit: 5) == 0)
        fixture.event { core, _, effects, _ in core.unreserve(2, &effects) }
        #expect(fixture.effects.bells.contains(.fetch))
        #expect(fixture.core.reserveForAck(limit: 5) == 2)
    }

    @Test func admittedJobsRunUntilTheirDeadlineAndAShortLeaseWakesTheFetcher() throws {
        var fixture = CoreFixture(capacity: 4)
        fixture.advance(.seconds(10))
        let started = fixture.lease([try CoreFixture.job(1, timeoutMs: 500)], reserve: 3)
        #expect(started.map(\.deadline) == [TestInstant.zero.advanced(by: .milliseconds(10_500))])
        #expect(fixture.core.held == 1 && fixture.core.running == 1)
        #expect(fixture.effects.busy == 1)
        // Two of the three slots reserved came back empty: the fetcher may use them again.
        #expect(fixture.effects.bells.isSuperset(of: [.fetch, .deadline]))

        // A later deadline does not wake the watcher; an earlier one does.
        fixture.lease([try CoreFixture.job(2, timeoutMs: 900)])
        #expect(!fixture.effects.bells.contains(.deadline))
        fixture.lease([try CoreFixture.job(3, timeoutMs: 100)])
        #expect(fixture.effects.bells.contains(.deadline))
    }

    @Test func whileCompletionsAwaitTheirAckTheFetcherWaitsForTheAckToLease() throws {
        var fixture = CoreFixture(capacity: 2)
        let job = try CoreFixture.job(1)
        fixture.lease([job])
        fixture.event { core, _, effects, _ in core.handlerEnded(LeaseRef(job), completion: Completion(id: job.id, token: job.token), &effects) }
        #expect(fixture.effects.bells.isSuperset(of: [.flush, .fetch, .change]))
        #expect(fixture.effects.busy == 0)
        // Reserving once cleared the initial want; the ack round trip leases next.
        #expect(fixture.core.reserveForFetch(limit: 2) == 0)
        let batch = fixture.core.takePending()
        #expect(batch.map(\.completions.count) == [1])
        #expect(fixture.core.reserveForFetch(limit: 2) == 0)
        // The flush ended with slots free: the fetcher fills them even if more completions wait.
        fixture.event { core, _, effects, _ in _ = core.acked(batch[0].completions, flags: [true], &effects) }
        fixture.event { core, _, effects, _ in core.flushEnded(retry: [], &effects) }
        #expect(fixture.core.reserveForFetch(limit: 2) == 2)
        #expect(fixture.core.isIdle)
    }

    @Test func refusedAckOfAnOwnedRunIsALostLeaseAndOfAnAbandonedOneIsNot() throws {
        var fixture = CoreFixture(capacity: 2)
        let (kept, canceled) = (try CoreFixture.job(1), try CoreFixture.job(2))
        fixture.lease([kept, canceled])
        for job in [kept, canceled] {
            fixture.event { core, _, effects, _ in core.handlerEnded(LeaseRef(job), completion: Completion(id: job.id, token: job.token), &effects) }
        }
        let batch = fixture.core.takePending()[0].completions
        // Canceled while its ack was in flight: nothing to count when Redis refuses it.
        fixture.event { core, _, effects, _ in _ = core.stop(LeaseRef(canceled), reason: .canceled, &effects) }
        let (completed, lost) = fixture.event { core, _, effects, _ in core.acked(batch, flags: [false, false], &effects) }
        #expect(completed.isEmpty)
        #expect(lost == [kept])
        #expect(fixture.core.entries.isEmpty)
    }

    @Test func aFailedFlushRetriesTheLiveCompletionsFirstAndForgetsTheStoppedOnes() throws {
        var fixture = CoreFixture(capacity: 3)
        let jobs = try (1...3).map { try CoreFixture.job($0) }
        fixture.lease(jobs)
        for job in jobs.prefix(2) {
            fixture.event { core, _, effects, _ in core.handlerEnded(LeaseRef(job), completion: Completion(id: job.id, token: job.token), &effects) }
        }
        let batch = fixture.core.takePending()
        fixture.event { core, _, effects, _ in _ = core.stop(LeaseRef(jobs[1]), reason: .leaseLost, &effects) }
        fixture.event { core, _, effects, _ in
            core.handlerEnded(LeaseRef(jobs[2]), completion: Completion(id: jobs[2].id, token: jobs[2].token), &effects)
        }
        fixture.event { core, _, effects, _ in core.flushEnded(retry: batch, &effects) }
        #expect(fixture.effects.bells.contains(.flush))
        #expect(fixture.core.takePending()[0].completions.map(\.id) == [jobs[0].id, jobs[2].id])
        #expect(fixture.core.entries[LeaseRef(jobs[1])] == nil)
    }

    @Test func aCancelAfterTheHandlerReturnedDropsItsQueuedCompletion() throws {
        var fixture = CoreFixture(capacity: 1)
        let job = try CoreFixture.job(1)
        fixture.lease([job])
        fixture.event { core, _, effects, _ in core.handlerEnded(LeaseRef(job), completion: Completion(id: job.id, token: job.token), &effects) }
        let stopped = fixture.event { core, _, effects, _ in core.stop(LeaseRef(job), reason: .canceled, &effects) }
        #expect(stopped == nil)
        #expect(fixture.core.pendingCount == 0)
        #expect(fixture.core.isIdle)
    }

    @Test func aJobLeasedAgainStopsItsOlderRunAsLostAndTheOldAckIsNotCounted() throws {
        var fixture = CoreFixture(capacity: 2)
        let first = try CoreFixture.job(1, token: "1")
        let second = try CoreFixture.job(1, token: "2")
        let firstRun = fixture.lease([first])[0].run
        fixture.lease([second])
        #expect(fixture.stoppedRuns == [firstRun: .leaseLost])
        #expect(fixture.effects.lost == [first])
        // Both runs hold a slot until the first handler has actually ended.
        #expect(fixture.core.running == 2)
        let reportable = fixture.event { core, _, effects, _ in
            core.handlerEnded(LeaseRef(first), completion: Completion(id: first.id, token: first.token), &effects)
        }
        #expect(!reportable)
        #expect(fixture.core.pendingCount == 0)
        fixture.event { core, _, effects, _ in core.remove(LeaseRef(first), &effects) }
        // The newer run is still the job's: a third lease would stop it.
        #expect(fixture.core.newest[first.id] == second.token)
        #expect(fixture.core.leasesByQueue().values.joined().map(\.token) == [second.token])
    }

    @Test func nothingStartsOnceDrainingAndTheReservationIsGivenBack() throws {
        var fixture = CoreFixture(capacity: 2)
        let reserved = fixture.core.reserveForFetch(limit: 2) ?? 0
        let began = fixture.event { core, _, effects, _ in core.beginDrain(&effects) }
        #expect(began)
        #expect(fixture.effects.bells == [.fetch, .flush, .change, .drain])
        let job = try CoreFixture.job(1)
        let (started, refused) = fixture.admit([job], reserved: reserved)
        #expect(started.isEmpty && refused == [job])
        #expect(fixture.core.held == 0)
        #expect(fixture.core.reserveForFetch(limit: 1) == nil)
        #expect(fixture.core.reserveForAck(limit: 1) == 0)
        let again = fixture.event { core, _, effects, _ in core.beginDrain(&effects) }
        #expect(!again)
    }
}
