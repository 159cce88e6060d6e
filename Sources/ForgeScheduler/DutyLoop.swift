/// The loop every scheduler duty runs: a pass, then a pause, until the task is cancelled.
///
/// A pass that reports more waiting work runs again at once (a backlog drains at full speed); one
/// that knows when its next work comes due pauses only until then, if that is sooner than its
/// interval (a delayed job starts at its time, not up to an interval later); a failed pass is
/// reported and retried after an exponential backoff capped at five seconds (or the duty's own
/// interval, if longer), so a Redis or Postgres outage neither crashes the scheduler nor floods it
/// with retries.
package struct DutyLoop: Sendable {
    var name: String
    var interval: Duration
    var reporter: FailureReporter

    package init(name: String, interval: Duration, reporter: FailureReporter) {
        self.name = name
        self.interval = interval
        self.reporter = reporter
    }

    static let maxBackoff: Duration = .seconds(5)

    /// The shortest pause before a pass that knows its next due time: work coming due every
    /// millisecond (a stream of delayed jobs) is taken in passes at most 100 a second, not one
    /// pass per job.
    package static let minimumPause: Duration = .milliseconds(10)

    /// How often a duty that follows the leader's indexes (``KeySpace/due``,
    /// ``KeySpace/unarchived``) visits every queue anyway.
    static let fullSweepInterval: Duration = .seconds(300)

    /// Runs `pass` until cancelled; `pass` returns `true` when more work is waiting.
    func run(_ pass: @Sendable () async throws -> Bool) async {
        await run(fullSweepEvery: nil) { _ in try await pass() }
    }

    /// Runs `pass` until cancelled, telling it when to visit every queue instead of only those
    /// the leader's indexes name: on the first pass of each leadership period (queues a version
    /// without the indexes left work in, or whose entry went missing) and then every
    /// `fullSweep`, as a safety net. A full pass that fails is repeated as a full one.
    func run(fullSweepEvery fullSweep: Duration?, _ pass: @Sendable (_ everyQueue: Bool) async throws -> Bool) async {
        await run(fullSweepEvery: fullSweep, passing: { everyQueue in try await pass(everyQueue) ? .more : .done(nextDueIn: nil) })
    }

    /// ``run(fullSweepEvery:_:)`` for a pass that may know when its next work comes due.
    func run(fullSweepEvery fullSweep: Duration?, passing pass: @Sendable (_ everyQueue: Bool) async throws -> DutyPass) async {
        var failures = 0
        var nextFull = ContinuousClock.now
        while !Task.isCancelled {
            let pause: Duration
            do {
                let now = ContinuousClock.now
                let everyQueue = fullSweep != nil && now >= nextFull
                let outcome = try await pass(everyQueue)
                if everyQueue, let fullSweep { nextFull = now + fullSweep }
                failures = 0
                pause = self.pause(after: outcome)
            } catch {
                if Task.isCancelled { return }
                failures += 1
                reporter.report(error, duty: name)
                pause = backoff(afterFailures: failures)
            }
            if pause > .zero {
                do { try await Task.sleep(for: pause) } catch { return }
            } else {
                await Task.yield()
            }
        }
    }

    /// The pause after a pass that did not fail: none when more is waiting, else the interval,
    /// cut short when the next work comes due sooner, but never below ``minimumPause``.
    package func pause(after pass: DutyPass) -> Duration {
        switch pass {
        case .more: .zero
        case .done(let nextDueIn?): min(interval, max(nextDueIn, Self.minimumPause))
        case .done(nil): interval
        }
    }

    func backoff(afterFailures failures: Int) -> Duration {
        let base = max(interval, .milliseconds(100))
        let factor = 1 << min(failures - 1, 10)
        // A slow duty (retention, every minute) never retries faster than it normally runs.
        return min(base * factor, max(Self.maxBackoff, interval))
    }
}

/// What a duty's pass found.
package enum DutyPass: Sendable, Equatable {
    /// More work is waiting: the next pass runs at once.
    case more
    /// Nothing more for now; the next work comes due in `nextDueIn`, when the duty knows.
    case done(nextDueIn: Duration?)
}
