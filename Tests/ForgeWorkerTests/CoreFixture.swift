import ForgeCore
import ForgeRedis
import ForgeWorker
import Testing

/// An instant moved by hand: the core's time is whatever a test says it is.
struct TestInstant: InstantProtocol {
    var offset: Duration

    static let zero = TestInstant(offset: .zero)

    func advanced(by duration: Duration) -> TestInstant { TestInstant(offset: offset + duration) }
    func duration(to other: TestInstant) -> Duration { other.offset - offset }
    static func < (lhs: TestInstant, rhs: TestInstant) -> Bool { lhs.offset < rhs.offset }
}

/// A ``WorkerCore`` driven by hand: runs are numbered, every event's effects are kept for the
/// test to read (`effects` holds the last event's), and the core's invariants are checked after
/// each event.
struct CoreFixture {
    typealias Core = WorkerCore<TestInstant, Int>

    var core: Core
    var now = TestInstant.zero
    var effects = WorkerEffects<Int>()
    private var runs = 0

    init(capacity: Int) { core = Core(capacity: capacity) }

    /// Job `number` (its id spells the number), leased with `token`.
    static func job(_ number: Int, token: String = "1", queue: String = "q", timeoutMs: Int64 = 1_000) throws -> LeasedJob {
        let digits = String(number)
        return LeasedJob(
            id: try JobID("00000000-0000-7000-8000-" + String(repeating: "0", count: 12 - digits.count) + digits),
            queue: try QueueName(queue),
            type: "t",
            payload: "{}",
            priority: 0,
            attempts: 1,
            maxAttempts: 3,
            timeoutMs: timeoutMs,
            backoff: try Backoff(baseMs: 100, capMs: 1_000),
            token: LeaseToken(token),
            createdAtMs: 0,
            readyAtMs: 0,
            leasedAtMs: 0,
            deadlineMs: 0
        )
    }

    mutating func advance(_ duration: Duration) { now = now.advanced(by: duration) }

    /// Reserves slots as the fetcher does and admits `jobs` into them; returns the runs started.
    @discardableResult
    mutating func lease(_ jobs: [LeasedJob], reserve: Int? = nil) -> [Core.Start] {
        admit(jobs, reserved: core.reserveForFetch(limit: reserve ?? jobs.count) ?? 0).started
    }

    /// Admits `jobs` into `reserved` slots, numbering their runs.
    mutating func admit(_ jobs: [LeasedJob], reserved: Int) -> (started: [Core.Start], refused: [LeasedJob]) {
        event { core, now, effects, runs in
            core.admit(jobs, reserved: reserved, sentAt: now, now: now, makeRun: { Self.next(&runs) }, &effects)
        }
    }

    private static func next(_ runs: inout Int) -> Int {
        runs += 1
        return runs
    }

    /// Runs one event against the core with fresh effects, then checks the invariants.
    @discardableResult
    mutating func event<T>(_ body: (inout Core, TestInstant, inout WorkerEffects<Int>, inout Int) -> T) -> T {
        effects = WorkerEffects()
        let result = body(&core, now, &effects, &runs)
        checkInvariants()
        return result
    }

    /// What must hold after every event, whatever the order of events.
    func checkInvariants() {
        #expect(core.running >= 0 && core.held >= core.running && core.held <= core.capacity, "slots: \(core.held) held, \(core.running) running")
        #expect(core.running == core.entries.values.filter(\.running).count, "running count")
        #expect(core.pendingCount == core.pending.values.map(\.count).reduce(0, +), "pending count")
        for completion in core.pending.values.joined() {
            let entry = core.entries[LeaseRef(id: completion.id, token: completion.token)]
            #expect(entry.map { !$0.running && !$0.abandoned } == true, "a queued completion belongs to a finished run still owned")
        }
        #expect(core.runaways.allSatisfy { core.entries[$0]?.running != true }, "a runaway holds no slot")
    }

    var stoppedRuns: [Int: StopReason] { Dictionary(effects.stops.map { ($0.run, $0.reason) }, uniquingKeysWith: { first, _ in first }) }
}
