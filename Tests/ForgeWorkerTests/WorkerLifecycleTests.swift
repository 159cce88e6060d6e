import ForgeCore
import ForgeObservability
import ForgeRedis
import ForgeTestSupport
import ForgeWorker
import Foundation
import Testing

@Suite struct WorkerLifecycleTests {
    let q = try! QueueName("q")

    @Test func handlerRunsAndJobCompletesWithItsResult() async throws {
        try await TestRedis.with { redis in
            var handlers = HandlerRegistry()
            handlers.register("echo") { job in
                struct Payload: Decodable { var word: String }
                let payload = try job.decode(Payload.self)
                return #"{"echo":"\#(payload.word)","attempt":\#(job.attempt)}"#
            }
            let metrics = ForgeMetrics()
            let id = try await redis.enqueue("echo", payload: #"{"word":"hi"}"#)
            try await withWorker(redis, handlers: handlers, configuration: testConfiguration(), metrics: metrics) { _ in
                let record = try await redis.waitFor(id, state: .completed)
                #expect(record.result == #"{"echo":"hi","attempt":1}"#)
                #expect(record.attempts == 1)
            }
            let text = String(decoding: metrics.render(), as: UTF8.self)
            #expect(text.contains(#"forge_jobs_completed_total{queue="q",type="echo"} 1"#))
            #expect(text.contains(#"forge_worker_concurrency{worker="test-worker"} 4"#))
        }
    }

    @Test func throwingHandlerIsRetriedThenDeadAfterMaxAttempts() async throws {
        try await TestRedis.with { redis in
            let calls = Occupancy()
            var handlers = HandlerRegistry()
            handlers.register("flaky") { _ in
                calls.enter()
                calls.leave()
                throw CocoaError(.fileNoSuchFile)
            }
            let metrics = ForgeMetrics()
            let id = try await redis.enqueue("flaky", maxAttempts: 3, backoff: fastBackoff)
            try await withWorker(redis, handlers: handlers, configuration: testConfiguration(), metrics: metrics) { _ in
                let record = try await redis.waitFor(id, state: .dead, promoting: q)
                #expect(record.attempts == 3)
                #expect(record.lastError?.isEmpty == false)
            }
            #expect(calls.total == 3)
            let text = String(decoding: metrics.render(), as: UTF8.self)
            #expect(text.contains(#"forge_jobs_failed_total{queue="q",type="flaky",reason="error"} 3"#))
            #expect(text.contains(#"forge_jobs_retried_total{queue="q"} 2"#))
            #expect(text.contains(#"forge_jobs_dead_total{queue="q"} 1"#))
        }
    }

    @Test func nonRetryableFailureGoesStraightToDead() async throws {
        try await TestRedis.with { redis in
            let id = try await redis.enqueue("fail", payload: #"{"message":"bad input","retryable":false}"#, maxAttempts: 5)
            try await withWorker(redis, handlers: .builtins, configuration: testConfiguration()) { _ in
                let record = try await redis.waitFor(id, state: .dead)
                #expect(record.attempts == 1)
                #expect(record.lastError == "bad input")
            }
        }
    }

    @Test func jobWithoutHandlerFailsRetryably() async throws {
        try await TestRedis.with { redis in
            let metrics = ForgeMetrics()
            let id = try await redis.enqueue("unknown.type", maxAttempts: 3)
            try await withWorker(redis, handlers: .builtins, configuration: testConfiguration(), metrics: metrics) { _ in
                let record = try await redis.waitFor(id, state: .retrying)
                #expect(record.lastError == "no handler for type unknown.type")
            }
            let text = String(decoding: metrics.render(), as: UTF8.self)
            #expect(text.contains(#"forge_jobs_failed_total{queue="q",type="other",reason="no_handler"} 1"#))
        }
    }

    @Test func handlerPastItsTimeoutIsCancelledAndTheAttemptFails() async throws {
        try await TestRedis.with { redis in
            let cancelled = Flag()
            var handlers = HandlerRegistry()
            handlers.register("slow") { _ in
                do {
                    try await Task.sleep(for: .seconds(30))
                } catch {
                    cancelled.set()
                    throw error
                }
                return nil
            }
            let metrics = ForgeMetrics()
            let id = try await redis.enqueue("slow", maxAttempts: 1, timeoutMs: 200)
            try await withWorker(redis, handlers: handlers, configuration: testConfiguration(), metrics: metrics) { _ in
                let record = try await redis.waitFor(id, state: .dead)
                #expect(record.lastError == "timeout after 200 ms")
            }
            #expect(cancelled.isSet)
            let text = String(decoding: metrics.render(), as: UTF8.self)
            #expect(text.contains(#"forge_jobs_failed_total{queue="q",type="slow",reason="timeout"} 1"#))
        }
    }

    @Test func concurrencyLimitIsNeverExceeded() async throws {
        try await TestRedis.with { redis in
            let occupancy = Occupancy()
            var handlers = HandlerRegistry()
            handlers.register("work") { _ in
                occupancy.enter()
                defer { occupancy.leave() }
                try await Task.sleep(for: .milliseconds(15))
                return nil
            }
            let jobs = try (0..<30).map { _ in try NewJob(queue: "q", type: "work") }
            let ids = try await redis.queues.enqueue(jobs).map(\.id)
            try await withWorker(redis, handlers: handlers, configuration: testConfiguration(concurrency: 3)) { _ in
                for id in ids { try await redis.waitFor(id, state: .completed) }
            }
            #expect(occupancy.total == 30)
            #expect(occupancy.max <= 3)
            #expect(occupancy.max >= 1)
        }
    }

    @Test func idleWorkerPicksUpALaterJobWithoutPolling() async throws {
        try await TestRedis.with { redis in
            // With a 60 s idle wait, only the wake-up list can bring the job in quickly.
            let configuration = testConfiguration(idleWaitMs: 60_000)
            try await withWorker(redis, handlers: .builtins, configuration: configuration) { _ in
                // Let the worker find the queue empty and block on its wake-up list.
                try await Task.sleep(for: .milliseconds(200))
                let id = try await redis.enqueue("noop")
                // Far below the 60 s a poll would take, with room for a loaded machine.
                try await redis.waitFor(id, state: .completed, timeout: .seconds(10))
            }
        }
    }

    @Test func cancelingAnActiveJobStopsItsHandlerAtTheNextHeartbeat() async throws {
        try await TestRedis.with { redis in
            let started = Flag()
            let stopped = Flag()
            var handlers = HandlerRegistry()
            handlers.register("long") { _ in
                started.set()
                do {
                    try await Task.sleep(for: .seconds(30))
                } catch {
                    stopped.set()
                    throw error
                }
                return nil
            }
            let id = try await redis.enqueue("long")
            // Heartbeats every 500 ms; a loaded test machine must not stall them past the lease.
            try await withWorker(redis, handlers: handlers, configuration: testConfiguration(visibilityMs: 1_500)) { _ in
                #expect(try await eventually { started.isSet })
                #expect(try await redis.queues.cancel(id) == .cancelRequested)
                #expect(try await eventually(timeout: .seconds(5)) { stopped.isSet })
                let record = try await redis.waitFor(id, state: .canceled)
                #expect(record.attempts == 1)
            }
        }
    }

    /// Failure series used to appear only after the first failure; alerts on `increase()` missed it.
    @Test func failureSeriesOfServedQueuesExistAtZeroFromTheStart() async throws {
        try await TestRedis.with { redis in
            let metrics = ForgeMetrics()
            try await withWorker(redis, handlers: .builtins, configuration: testConfiguration(), metrics: metrics) { _ in
                let up = try await eventually { String(decoding: metrics.render(), as: UTF8.self).contains("forge_worker_busy") }
                #expect(up)
                let text = String(decoding: metrics.render(), as: UTF8.self)
                for series in [
                    #"forge_jobs_failed_total{queue="q",type="noop",reason="error"} 0"#,
                    #"forge_jobs_failed_total{queue="q",type="http",reason="timeout"} 0"#,
                    #"forge_jobs_dead_total{queue="q"} 0"#, #"forge_jobs_retried_total{queue="q"} 0"#,
                ] {
                    #expect(text.contains(series), "\(series)")
                }
            }
        }
    }
}
