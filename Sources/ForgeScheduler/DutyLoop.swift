/// The loop every scheduler duty runs: a pass, then a pause, until the task is cancelled.
///
/// A pass that reports more waiting work runs again at once (a backlog drains at full speed); a
/// failed pass is reported and retried after an exponential backoff capped at five seconds (or
/// the duty's own interval, if longer), so a Redis or Postgres outage neither crashes the
/// scheduler nor floods it with retries.
struct DutyLoop: Sendable {
    var name: String
    var interval: Duration
    var reporter: FailureReporter

    static let maxBackoff: Duration = .seconds(5)

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
        var failures = 0
        var nextFull = ContinuousClock.now
        while !Task.isCancelled {
            let pause: Duration
            do {
                let now = ContinuousClock.now
                let everyQueue = fullSweep != nil && now >= nextFull
                let busy = try await pass(everyQueue)
                if everyQueue, let fullSweep { nextFull = now + fullSweep }
                failures = 0
                pause = busy ? .zero : interval
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

    func backoff(afterFailures failures: Int) -> Duration {
        let base = max(interval, .milliseconds(100))
        let factor = 1 << min(failures - 1, 10)
        // A slow duty (retention, every minute) never retries faster than it normally runs.
        return min(base * factor, max(Self.maxBackoff, interval))
    }
}
