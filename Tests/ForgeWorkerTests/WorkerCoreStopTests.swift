import ForgeCore
import ForgeRedis
import ForgeWorker
import Testing

/// Heartbeats, deadlines, runaways and the drain, on an instant moved by hand: the cases that
/// sleeps against Redis could only bound loosely, decided here to the tick.
@Suite struct WorkerCoreStopTests {
    static let visibility = Duration.seconds(30)
    static let grace = Duration.seconds(5)

    @Test func aRunWhoseLeaseWentUnconfirmedForAVisibilityTimeoutStopsExactlyThen() throws {
        var fixture = CoreFixture(capacity: 2)
        let (beating, silent) = (try CoreFixture.job(1), try CoreFixture.job(2))
        let runs = fixture.lease([beating, silent]).map(\.run)
        fixture.advance(.seconds(10))
        fixture.event { core, now, _, _ in core.confirm([LeaseRef(beating)], sentAt: now) }
        fixture.advance(Self.visibility - .seconds(10) - .milliseconds(1))
        #expect(fixture.event { core, now, effects, _ in core.stopOverdue(visibility: Self.visibility, now: now, &effects) }.isEmpty)

        fixture.advance(.milliseconds(1))
        let stopped = fixture.event { core, now, effects, _ in core.stopOverdue(visibility: Self.visibility, now: now, &effects) }
        #expect(stopped == [silent])
        #expect(fixture.stoppedRuns == [runs[1]: .leaseLost])
        // Stopped once: no heartbeat for it any more, and no second stop.
        #expect(fixture.core.leasesByQueue().values.joined().map(\.id) == [beating.id])
        fixture.advance(.seconds(10))
        let later = fixture.event { core, now, effects, _ in core.stopOverdue(visibility: Self.visibility, now: now, &effects) }
        #expect(later == [beating])
    }

    @Test func aFinishedRunAwaitingItsAckIsLeftForRedisToJudge() throws {
        var fixture = CoreFixture(capacity: 1)
        let job = try CoreFixture.job(1)
        fixture.lease([job])
        fixture.event { core, _, effects, _ in core.handlerEnded(LeaseRef(job), completion: Completion(id: job.id, token: job.token), &effects) }
        fixture.advance(Self.visibility * 2)
        #expect(fixture.event { core, now, effects, _ in core.stopOverdue(visibility: Self.visibility, now: now, &effects) }.isEmpty)
        #expect(fixture.core.pendingCount == 1)
    }

    @Test func aHandlerPastItsDeadlineIsStoppedOnceThenGivenUpAfterTheGrace() throws {
        var fixture = CoreFixture(capacity: 1)
        let job = try CoreFixture.job(1, timeoutMs: 2_000)
        let start = try #require(fixture.lease([job]).first)
        let deadline = start.deadline

        fixture.advance(.milliseconds(1_999))
        var (next, runaways) = fixture.event { core, now, effects, _ in core.stopTimedOut(runawayGrace: Self.grace, now: now, &effects) }
        #expect(next == deadline && runaways.isEmpty && fixture.effects.stops.isEmpty)

        fixture.advance(.milliseconds(1))
        (next, runaways) = fixture.event { core, now, effects, _ in core.stopTimedOut(runawayGrace: Self.grace, now: now, &effects) }
        #expect(fixture.stoppedRuns == [start.run: .timedOut])
        #expect(next == deadline.advanced(by: Self.grace) && runaways.isEmpty)

        // Told once: a look in between neither stops it again nor gives up early.
        fixture.advance(Self.grace - .milliseconds(1))
        (next, runaways) = fixture.event { core, now, effects, _ in core.stopTimedOut(runawayGrace: Self.grace, now: now, &effects) }
        #expect(fixture.effects.stops.isEmpty && runaways.isEmpty && next == deadline.advanced(by: Self.grace))

        fixture.advance(.milliseconds(1))
        (next, runaways) = fixture.event { core, now, effects, _ in core.stopTimedOut(runawayGrace: Self.grace, now: now, &effects) }
        #expect(next == nil)
        #expect(runaways.map(\.lease) == [LeaseRef(job)] && runaways.map(\.failAttempt) == [true])

        fixture.event { core, _, effects, _ in core.gaveUp(LeaseRef(job), &effects) }
        #expect(fixture.core.running == 0 && fixture.core.held == 0 && fixture.core.runaways == [LeaseRef(job)])
        #expect(fixture.effects.runaways == [job] && fixture.effects.runawaysRunning == 1 && fixture.effects.busy == 0)
        #expect(fixture.effects.bells.contains(.fetch))
        // Its slot is free for another job; its lease is not extended any more.
        #expect(fixture.core.reserveForFetch(limit: 1) == 1)
        #expect(fixture.core.leasesByQueue().isEmpty)
        #expect(fixture.core.running([LeaseRef(job)]) == [LeaseRef(job)])

        // Whatever the handler returns at last is dropped; the run is forgotten by its runner.
        let reportable = fixture.event { core, _, effects, _ in
            core.handlerEnded(LeaseRef(job), completion: Completion(id: job.id, token: job.token), &effects)
        }
        #expect(!reportable && fixture.core.pendingCount == 0)
        fixture.event { core, _, effects, _ in core.remove(LeaseRef(job), &effects) }
        fixture.event { core, _, effects, _ in core.runawayEnded(LeaseRef(job), &effects) }
        #expect(fixture.effects.runawaysRunning == 0)
        #expect(fixture.core.running([LeaseRef(job)]).isEmpty)
    }

    @Test func aCanceledHandlerIgnoringItsStopIsGivenUpAGraceAfterItsDeadlineWithoutFailingTheAttempt() throws {
        var fixture = CoreFixture(capacity: 1)
        let job = try CoreFixture.job(1, timeoutMs: 3_000)
        let start = try #require(fixture.lease([job]).first)
        fixture.advance(.seconds(1))
        fixture.event { core, _, effects, _ in _ = core.stop(LeaseRef(job), reason: .canceled, &effects) }
        #expect(fixture.stoppedRuns == [start.run: .canceled])

        let (next, runaways) = fixture.event { core, now, effects, _ in core.stopTimedOut(runawayGrace: Self.grace, now: now, &effects) }
        #expect(next == start.deadline.advanced(by: Self.grace) && runaways.isEmpty)
        // Already stopped for the cancel: the deadline does not stop it a second time.
        fixture.advance(.seconds(2))
        fixture.event { core, now, effects, _ in _ = core.stopTimedOut(runawayGrace: Self.grace, now: now, &effects) }
        #expect(fixture.effects.stops.isEmpty)

        fixture.advance(Self.grace)
        let late = fixture.event { core, now, effects, _ in core.stopTimedOut(runawayGrace: Self.grace, now: now, &effects) }
        #expect(late.runaways.map(\.failAttempt) == [false])
    }

    @Test func aHandlerThatEndsBeforeTheRunIsGivenUpKeepsItsOutcome() throws {
        var fixture = CoreFixture(capacity: 1)
        let job = try CoreFixture.job(1, timeoutMs: 100)
        fixture.lease([job])
        // A watcher that looks late still gives the handler the whole grace from its stop.
        fixture.advance(Self.grace + .seconds(1))
        var (_, runaways) = fixture.event { core, now, effects, _ in core.stopTimedOut(runawayGrace: Self.grace, now: now, &effects) }
        #expect(runaways.isEmpty && fixture.effects.stops.count == 1)
        fixture.advance(Self.grace)
        (_, runaways) = fixture.event { core, now, effects, _ in core.stopTimedOut(runawayGrace: Self.grace, now: now, &effects) }
        #expect(runaways.count == 1)
        // The run said no (its handler had ended): the runner reports it, with its slot accounted once.
        fixture.event { core, _, effects, _ in core.handlerEnded(LeaseRef(job), completion: nil, &effects) }
        fixture.event { core, _, effects, _ in core.gaveUp(LeaseRef(job), &effects) }
        #expect(fixture.core.runaways.isEmpty && fixture.core.held == 0)
        #expect(fixture.effects.runaways.isEmpty)
    }

    @Test func theDrainStopsWhatStillRunsAndWaitsForRunawaysAsWell() throws {
        var fixture = CoreFixture(capacity: 3)
        let jobs = try (1...3).map { try CoreFixture.job($0, timeoutMs: 100) }
        let runs = fixture.lease(jobs).map(\.run)
        // One finished (awaiting its ack), one given up on, one running.
        fixture.event { core, _, effects, _ in
            core.handlerEnded(LeaseRef(jobs[0]), completion: Completion(id: jobs[0].id, token: jobs[0].token), &effects)
        }
        fixture.event { core, _, effects, _ in core.gaveUp(LeaseRef(jobs[1]), &effects) }
        fixture.event { core, _, effects, _ in _ = core.beginDrain(&effects) }

        let stopped = fixture.event { core, _, effects, _ in core.stopAllRunning(&effects) }
        #expect(stopped == [LeaseRef(jobs[2]): jobs[2]])
        #expect(fixture.stoppedRuns == [runs[2]: .shutdown])
        #expect(fixture.core.running(jobs.map(LeaseRef.init)) == [LeaseRef(jobs[1]), LeaseRef(jobs[2])])
        #expect(!fixture.core.isIdle)

        fixture.event { core, _, effects, _ in core.handlerEnded(LeaseRef(jobs[2]), completion: nil, &effects) }
        fixture.event { core, _, effects, _ in core.remove(LeaseRef(jobs[2]), &effects) }
        fixture.event { core, _, effects, _ in core.remove(LeaseRef(jobs[1]), &effects) }
        let batch = fixture.core.takePending()
        fixture.event { core, _, effects, _ in _ = core.acked(batch[0].completions, flags: [true], &effects) }
        fixture.event { core, _, effects, _ in core.flushEnded(retry: [], &effects) }
        #expect(fixture.core.isIdle)
        // Idle, but a given-up handler still runs: the drainer's wait for stopped runs sees it.
        #expect(fixture.core.running([LeaseRef(jobs[1])]) == [LeaseRef(jobs[1])])
    }
}
