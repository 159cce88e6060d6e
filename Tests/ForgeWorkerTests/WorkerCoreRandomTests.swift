import ForgeCore
import ForgeRedis
import ForgeWorker
import Testing

/// Long random runs of events in every order the worker's loops can produce them, with the
/// core's invariants checked after each (``CoreFixture/checkInvariants()``) and a clean end:
/// once everything has ended and been reported, no slot, run or completion is left behind.
@Suite struct WorkerCoreRandomTests {
    @Test(arguments: [1, 2, 3, 4]) func anyOrderOfEventsKeepsTheBooksAndEndsIdle(seed: UInt64) throws {
        var random = SplitMix(seed: seed)
        var fixture = CoreFixture(capacity: 4)
        var walk = Walk()
        for step in 0..<20_000 {
            if step == 19_000 { fixture.event { core, _, effects, _ in _ = core.beginDrain(&effects) } }
            try walk.step(&fixture, &random)
        }
        walk.settle(&fixture)
        #expect(fixture.core.isIdle)
        #expect(fixture.core.held == 0 && fixture.core.running == 0 && fixture.core.runaways.isEmpty)
        // The walk went where it matters: many runs, acks, runaways, jobs leased again.
        #expect(walk.started > 1_000, "started \(walk.started)")
        #expect(walk.acked > 100, "acked \(walk.acked)")
        #expect(walk.gaveUp > 10, "gave up \(walk.gaveUp)")
        #expect(walk.releasedAgain > 10, "leased again \(walk.releasedAgain)")
    }
}

/// What the handlers and loops around the core do, step by step.
private struct Walk {
    /// Handlers still running, and those the worker gave up on.
    var handlers: Set<LeaseRef> = []
    var runaways: Set<LeaseRef> = []
    var nextJob = 0
    var nextToken = 1
    var started = 0
    var acked = 0
    var gaveUp = 0
    var releasedAgain = 0

    mutating func step(_ fixture: inout CoreFixture, _ random: inout SplitMix) throws {
        switch random.below(10) {
        case 0, 1: try lease(&fixture, &random)
        case 2, 3: if let lease = handlers.randomElement(using: &random) { end(lease, &fixture, completed: random.below(4) > 0) }
        case 4: flush(&fixture, failing: random.below(4) == 0, &random)
        case 5:
            if let lease = fixture.core.entries.keys.randomElement(using: &random) {
                fixture.event { core, _, effects, _ in _ = core.stop(lease, reason: random.below(2) == 0 ? .canceled : .leaseLost, &effects) }
            }
        case 6: giveUpLate(&fixture, agreeing: random.below(3) > 0)
        case 7:
            let leases = Array(fixture.core.leasesByQueue().values.joined()).filter { _ in random.below(2) == 0 }
            fixture.event { core, now, _, _ in core.confirm(leases, sentAt: now) }
            fixture.event { core, now, effects, _ in _ = core.stopOverdue(visibility: .seconds(3), now: now, &effects) }
        case 8: if let lease = runaways.randomElement(using: &random) { runawayReturns(lease, &fixture) }
        default: fixture.advance(.milliseconds(Int64(random.below(1_500))))
        }
    }

    /// The fetcher: reserves, leases fewer or as many jobs, some of them jobs already here under
    /// an older token (their lease expired meanwhile).
    mutating func lease(_ fixture: inout CoreFixture, _ random: inout SplitMix) throws {
        guard let reserved = fixture.core.reserveForFetch(limit: 1 + random.below(3)), reserved > 0 else { return }
        var jobs: [LeasedJob] = []
        for _ in 0..<random.below(reserved + 1) {
            let again = random.below(5) == 0 ? fixture.core.entries.keys.randomElement(using: &random) : nil
            if again != nil { releasedAgain += 1 } else { nextJob += 1 }
            nextToken += 1
            let number = again.map { Int($0.id.rawValue.suffix(12))! } ?? nextJob
            jobs.append(try CoreFixture.job(number, token: String(nextToken), timeoutMs: Int64(500 + random.below(3_000))))
        }
        let (started, refused) = fixture.admit(jobs, reserved: reserved)
        self.started += started.count
        handlers.formUnion(started.map { LeaseRef($0.job) })
        #expect(refused.isEmpty || fixture.core.draining)
    }

    /// A handler returns; its runner reports it (a completion for the flusher, or a failure and
    /// then forgets it), or drops it when the run was taken away meanwhile.
    mutating func end(_ lease: LeaseRef, _ fixture: inout CoreFixture, completed: Bool) {
        handlers.remove(lease)
        let completion = completed ? Completion(id: lease.id, token: lease.token) : nil
        let queued = fixture.event { core, _, effects, _ in core.handlerEnded(lease, completion: completion, &effects) }
        if !(queued && completed) { fixture.event { core, _, effects, _ in core.remove(lease, &effects) } }
    }

    /// The ack flusher: one round trip for everything queued; Redis completes some, refuses others
    /// (stale), or the call fails and the batch goes back.
    mutating func flush(_ fixture: inout CoreFixture, failing: Bool, _ random: inout SplitMix) {
        let batch = fixture.event { core, _, _, _ in core.takePending() }
        guard !batch.isEmpty else { return }
        if failing {
            fixture.event { core, _, effects, _ in core.flushEnded(retry: batch, &effects) }
            return
        }
        for (_, completions) in batch {
            let flags = completions.map { _ in random.below(5) > 0 }
            let (completed, _) = fixture.event { core, _, effects, _ in core.acked(completions, flags: flags, &effects) }
            acked += completed.count
        }
        fixture.event { core, _, effects, _ in core.flushEnded(retry: [], &effects) }
    }

    /// The deadline watcher; each named handler either agrees to be given up on, or turns out
    /// to have ended just then (its runner reports it).
    mutating func giveUpLate(_ fixture: inout CoreFixture, agreeing: Bool) {
        let (_, named) = fixture.event { core, now, effects, _ in core.stopTimedOut(runawayGrace: .milliseconds(800), now: now, &effects) }
        for runaway in named where handlers.contains(runaway.lease) {
            if agreeing {
                handlers.remove(runaway.lease)
                runaways.insert(runaway.lease)
                gaveUp += 1
                fixture.event { core, _, effects, _ in core.gaveUp(runaway.lease, &effects) }
                fixture.event { core, _, effects, _ in core.remove(runaway.lease, &effects) }
            } else {
                end(runaway.lease, &fixture, completed: false)
            }
        }
    }

    mutating func runawayReturns(_ lease: LeaseRef, _ fixture: inout CoreFixture) {
        runaways.remove(lease)
        fixture.event { core, _, effects, _ in core.runawayEnded(lease, &effects) }
    }

    /// Ends every handler and reports everything, as the drain does.
    mutating func settle(_ fixture: inout CoreFixture) {
        for lease in handlers { end(lease, &fixture, completed: true) }
        for lease in runaways { runawayReturns(lease, &fixture) }
        var random = SplitMix(seed: 0)
        while fixture.core.pendingCount > 0 || fixture.core.flushing { flush(&fixture, failing: false, &random) }
    }
}

/// A small seeded generator, so a failing walk repeats exactly.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}
