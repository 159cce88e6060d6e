import ForgeCore
import ForgeObservability
import ForgeRedis
import ForgeTestSupport
import ForgeWorker
import Foundation
import ServiceLifecycle
import Testing

@Suite struct WorkerShutdownTests {
    @Test func gracefulShutdownFinishesShortJobsAndReleasesLongOnes() async throws {
        try await TestRedis.with { redis in
            let running = Occupancy()
            var handlers = HandlerRegistry()
            handlers.register("short") { _ in
                running.enter()
                defer { running.leave() }
                try await Task.sleep(for: .milliseconds(300))
                return #"{"done":true}"#
            }
            handlers.register("long") { _ in
                running.enter()
                defer { running.leave() }
                try await Task.sleep(for: .seconds(60))
                return nil
            }
            let short = try await redis.enqueue("short")
            let long = try await redis.enqueue("long")
            let readiness = Readiness(checks: [])
            let configuration = testConfiguration(concurrency: 2, grace: .seconds(1))
            try await withWorker(redis, handlers: handlers, configuration: configuration, readiness: readiness) { group in
                let bothRunning = try await eventually { running.now == 2 }
                #expect(bothRunning)
                await group.triggerGracefulShutdown()
                let draining = try await eventually { readiness.isDraining }
                #expect(draining)
            }
            // The worker has returned: the short job was reported, the long one handed back.
            let done = try #require(try await redis.job(short))
            #expect(done.state == .completed)
            #expect(done.result == #"{"done":true}"#)
            let back = try #require(try await redis.job(long))
            #expect(back.state == .pending)
            #expect(back.attempts == 0)
            let status = try await redis.queues.status(try QueueName("q"))
            #expect(status.counts.pending == 1)
            #expect(status.counts.active == 0)
            #expect(running.now == 0)
        }
    }

    @Test func drainWithNothingRunningReturnsPromptly() async throws {
        try await TestRedis.with { redis in
            let readiness = Readiness(checks: [])
            try await withWorker(redis, handlers: .builtins, configuration: testConfiguration(), readiness: readiness) { _ in }
            #expect(readiness.isDraining)
        }
    }
}
