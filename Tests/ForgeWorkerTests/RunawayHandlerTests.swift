import ForgeCore
import ForgeObservability
import ForgeRedis
import ForgeTestSupport
import ForgeWorker
import Foundation
import Synchronization
import Testing

/// A handler that ignores cancellation used to keep its job `active` (heartbeats went on), its
/// slot taken and the worker's shutdown waiting, until it returned, if ever (issue 17, item 7).
/// Now the worker gives up on it a grace period after its deadline.
@Suite struct RunawayHandlerTests {
    let q = try! QueueName("q")

    /// One slot, so a second job only runs once the runaway's slot is free again, and a runaway
    /// grace of 200 ms.
    static func configuration(visibilityMs: Int64 = 30_000, grace: Duration = .seconds(5)) -> WorkerConfiguration {
        var configuration = testConfiguration(concurrency: 1, visibilityMs: visibilityMs, grace: grace)
        configuration.runawayGrace = .milliseconds(200)
        return configuration
    }

    @Test func handlerIgnoringItsTimeoutIsGivenUpAndItsAttemptFailsOnce() async throws {
        try await TestRedis.with { redis in
            let runaway = Runaway()
            let metrics = ForgeMetrics()
            let configuration = Self.configuration(visibilityMs: 3_000)
            // A minute's backoff keeps the failed attempt `retrying` (no scheduler promotes it here).
            let id = try await redis.enqueue("deaf", maxAttempts: 3, timeoutMs: 200, backoff: try Backoff(baseMs: 60_000, capMs: 60_000))
            try await withWorker(redis, handlers: runaway.handlers, configuration: configuration, metrics: metrics) { _ in
                defer { runaway.release() }
                let failed = try await redis.waitFor(id, state: .retrying)
                #expect(failed.attempts == 1)
                #expect(failed.lastError == "timeout after 200 ms")
                #expect(runaway.isRunning)

                let next = try await redis.enqueue("quick")
                try await redis.waitFor(next, state: .completed)
                #expect(runaway.isRunning)
                // Heartbeats go on (every second) and leave the old lease alone.
                try await Task.sleep(for: .milliseconds(1_200))
                #expect(try await redis.client.command(["ZSCORE", redis.keys.queue(q).leased, id.rawValue]).isNull)
                #expect(try await redis.job(id)?.state == .retrying)
                let given = metrics.text
                #expect(given.contains(#"forge_worker_runaway_handlers_total{queue="q",type="deaf"} 1"#))
                #expect(given.contains(#"forge_worker_runaway_handlers{worker="test-worker"} 1"#))
                #expect(given.contains(#"forge_jobs_failed_total{queue="q",type="deaf",reason="timeout"} 1"#))

                // When it finally returns, its outcome is dropped: no ack, no second failure.
                runaway.release()
                let ended = try await eventually { metrics.text.contains(#"forge_worker_runaway_handlers{worker="test-worker"} 0"#) }
                #expect(ended)
                try await Task.sleep(for: .milliseconds(300))
                let after = try #require(try await redis.job(id))
                #expect(after.state == .retrying)
                #expect(after.attempts == 1)
                #expect(after.lastError == "timeout after 200 ms")
                let text = metrics.text
                #expect(text.contains(#"forge_worker_runaway_handlers_total{queue="q",type="deaf"} 1"#))
                #expect(text.contains(#"forge_jobs_failed_total{queue="q",type="deaf",reason="timeout"} 1"#))
                #expect(text.contains(#"forge_jobs_failed_total{queue="q",type="deaf",reason="lease_lost"} 0"#))
                #expect(text.contains(#"forge_jobs_completed_total{queue="q",type="deaf"} 0"#))
                #expect(text.contains(#"forge_jobs_completed_total{queue="q",type="quick"} 1"#))
            }
        }
    }

    /// A canceled job's handler that ignores the stop no longer holds its slot for ever either:
    /// it is given up on at the job's deadline plus the grace, and the job stays canceled.
    @Test func canceledHandlerIgnoringTheStopGivesItsSlotBackAfterItsDeadline() async throws {
        try await TestRedis.with { redis in
            let runaway = Runaway()
            let metrics = ForgeMetrics()
            // A deadline long enough for the cancel to reach the job while it runs, on a busy machine too.
            let configuration = Self.configuration(visibilityMs: 4_500)
            let id = try await redis.enqueue("deaf", timeoutMs: 3_000)
            try await withWorker(redis, handlers: runaway.handlers, configuration: configuration, metrics: metrics) { _ in
                defer { runaway.release() }
                #expect(try await eventually { runaway.isRunning })
                #expect(try await redis.queues.cancel(id) == .cancelRequested)
                let next = try await redis.enqueue("quick")
                try await redis.waitFor(next, state: .completed)
                #expect(runaway.isRunning)
                let record = try await redis.waitFor(id, state: .canceled)
                #expect(record.attempts == 1)
                #expect(metrics.text.contains(#"forge_worker_runaway_handlers_total{queue="q",type="deaf"} 1"#))
            }
        }
    }

    /// Graceful shutdown used to wait for every handler to return; one given up on no longer
    /// holds the worker up.
    @Test func workerStopsWhileAGivenUpHandlerStillRuns() async throws {
        try await TestRedis.with { redis in
            let runaway = Runaway()
            let configuration = Self.configuration(grace: .milliseconds(100))
            let id = try await redis.enqueue("deaf", timeoutMs: 200, backoff: fastBackoff)
            let stopped = Flag()
            // Lets the handler go if the worker never stops, so a failing test ends.
            async let valve: Void = {
                _ = try? await eventually(timeout: .seconds(15)) { stopped.isSet }
                runaway.release()
            }()
            try await withWorker(redis, handlers: runaway.handlers, configuration: configuration) { _ in
                try await redis.waitFor(id, state: .retrying)
            }
            stopped.set()
            #expect(runaway.isRunning)
            runaway.release()
            await valve
        }
    }
}

/// A handler body that ignores cancellation the way blocking code does: it waits on a thread of
/// its own until the test lets it go.
final class Runaway: Sendable {
    private let released = Flag()
    private let running = Atomic<Int>(0)

    func run() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            running.add(1, ordering: .relaxed)
            Thread { [self] in
                while !released.isSet { usleep(10_000) }
                running.subtract(1, ordering: .relaxed)
                continuation.resume()
            }.start()
        }
    }

    func release() { released.set() }

    /// `deaf` runs until released (then returns a result, to be dropped); `quick` returns at once.
    var handlers: HandlerRegistry {
        var handlers = HandlerRegistry()
        handlers.register("deaf") { _ in
            await self.run()
            return #"{"late":true}"#
        }
        handlers.register("quick") { _ in nil }
        return handlers
    }

    var isRunning: Bool { running.load(ordering: .relaxed) > 0 }
}

extension ForgeMetrics {
    /// The `/metrics` text.
    var text: String { String(decoding: render(), as: UTF8.self) }
}
