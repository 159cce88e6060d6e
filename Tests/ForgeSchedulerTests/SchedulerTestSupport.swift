import ForgeCore
import ForgeObservability
import ForgePostgres
import ForgeRedis
import ForgeScheduler
import ForgeTestSupport
import Foundation
import Logging
import Synchronization

/// A settable wall clock (Unix ms) for cron and retention.
final class TestClock: Sendable {
    private let value: Mutex<Int64>
    init(_ start: Int64) { value = Mutex(start) }
    var now: Int64 {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
    var closure: @Sendable () -> Int64 { { [self] in now } }
}

let testLogger: Logger = {
    var logger = Logger(label: "forge.scheduler.tests")
    logger.logLevel = .error
    return logger
}()

func reporter(_ metrics: ForgeMetrics) -> FailureReporter { FailureReporter(metrics: metrics, logger: testLogger) }

/// Polls `condition` every 15 ms until it holds or `timeout` passes; returns whether it held.
func eventually(timeout: Duration = .seconds(5), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(15))
    }
    return try await condition()
}

/// The value of one series in the `/metrics` text, e.g. `forge_leases_expired_total{queue="q"}`.
func metricValue(_ metrics: ForgeMetrics, _ series: String) -> Double? {
    let text = String(decoding: metrics.render(), as: UTF8.self)
    for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
        return Double(line.dropFirst(series.count + 1).trimmingCharacters(in: .whitespaces))
    }
    return nil
}

func newJob(queue: String, delayMs: Int64? = nil, maxAttempts: Int? = nil) -> NewJob {
    try! NewJob(queue: queue, type: "noop", delayMs: delayMs, maxAttempts: maxAttempts)
}
