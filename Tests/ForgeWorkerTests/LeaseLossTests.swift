import ForgeCore
import ForgeObservability
import ForgeRedis
import ForgeTestSupport
import ForgeWorker
import Foundation
import ServiceLifecycle
import Synchronization
import Testing

/// A handler must never run beside the job's next owner, and a lost lease must not cost the
/// worker its slots (issue 8, items 4 and 8).
@Suite struct LeaseLossTests {
    /// The in-flight table was keyed by job id: when a lease expired and the same worker leased
    /// the job again, the first run was never stopped, its end freed the second run's slot and
    /// dropped its completion, and concurrency shrank for good.
    @Test func jobLeasedAgainStopsTheOldRunAndKeepsEverySlot() async throws {
        try await TestRedis.with { redis in
            let firstRunStopped = Flag()
            let pairs = Occupancy()
            var handlers = HandlerRegistry()
            handlers.register("twice") { context in
                guard context.attempt > 1 else {
                    do { try await Task.sleep(for: .seconds(60)) } catch { firstRunStopped.set() }
                    return nil
                }
                return #"{"attempt":2}"#
            }
            handlers.register("pair") { _ in
                pairs.enter()
                defer { pairs.leave() }
                let end = ContinuousClock.now + .seconds(5)
                while pairs.max < 2 && ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(10)) }
                return nil
            }
            let q = try QueueName("q")
            let id = try await redis.enqueue("twice")
            try await withWorker(redis, handlers: handlers, configuration: testConfiguration(concurrency: 2)) { _ in
                try await redis.waitFor(id, state: .active)
                // The lease expires under the running handler (as if heartbeats stalled); no
                // scheduler runs here, so the test takes the job back itself.
                _ = try await redis.client.command(["ZADD", redis.keys.queue(q).leased, "XX", "1", id.rawValue])
                #expect(try await redis.queues.reclaimExpired(q).moved == 1)
                let done = try await redis.waitFor(id, state: .completed)
                #expect(done.attempts == 2)
                #expect(done.result == #"{"attempt":2}"#)
                let firstStopped = try await eventually(timeout: .seconds(5)) { firstRunStopped.isSet }
                #expect(firstStopped)
                // Both slots are free again: two jobs run at the same time.
                let first = try await redis.enqueue("pair")
                let second = try await redis.enqueue("pair")
                try await redis.waitFor(first, state: .completed)
                try await redis.waitFor(second, state: .completed)
                #expect(pairs.max == 2)
            }
        }
    }

    /// At the end of the grace period the leases used to be handed back while the handlers were
    /// still running, so the next owner could start the job beside them. Now a handler that takes
    /// a while to stop keeps its lease until it has ended.
    @Test func graceEndHandsALeaseBackOnlyAfterItsHandlerEnded() async throws {
        try await TestRedis.with { redis in
            let seenWhileEnding = Mutex<JobState?>(nil)
            let running = Flag()
            let store = redis.queues
            var handlers = HandlerRegistry()
            handlers.register("stubborn") { context in
                running.set()
                // Runs until the grace period ends, then ignores the stop for a while, as blocking
                // code does: never finished in time, however loaded the machine.
                let limit = ContinuousClock.now + .seconds(30)
                while !Task.isCancelled && ContinuousClock.now < limit { try? await Task.sleep(for: .milliseconds(20)) }
                let end = ContinuousClock.now + .milliseconds(300)
                while ContinuousClock.now < end { try? await Task.sleep(for: .milliseconds(20)) }
                // A task of its own: this one is cancelled, and so would be its Redis call.
                let id = context.id
                let state = await Task { try? await store.job(id)?.state }.value
                seenWhileEnding.withLock { $0 = state }
                return nil
            }
            let id = try await redis.enqueue("stubborn")
            let configuration = testConfiguration(concurrency: 1, grace: .milliseconds(100))
            try await withWorker(redis, handlers: handlers, configuration: configuration) { group in
                let started = try await eventually { running.isSet }
                #expect(started)
                await group.triggerGracefulShutdown()
            }
            #expect(seenWhileEnding.withLock { $0 } == .active)
            let back = try #require(try await redis.job(id))
            #expect(back.state == .pending)
            #expect(back.attempts == 0)
        }
    }

    /// A handler that does not stop within the stop timeout keeps its lease (it expires by
    /// itself) rather than having it handed to another worker while it still runs.
    @Test func handlerThatIgnoresTheStopKeepsItsLease() async throws {
        try await TestRedis.with { redis in
            let running = Flag()
            var handlers = HandlerRegistry()
            handlers.register("deaf") { _ in
                running.set()
                // Far beyond grace + stop timeout, even on a loaded machine.
                let end = ContinuousClock.now + .seconds(10)
                while ContinuousClock.now < end { try? await Task.sleep(for: .milliseconds(20)) }
                return nil
            }
            let id = try await redis.enqueue("deaf")
            var configuration = testConfiguration(concurrency: 1, grace: .milliseconds(100))
            configuration.stopTimeout = .milliseconds(200)
            try await withWorker(redis, handlers: handlers, configuration: configuration) { group in
                let started = try await eventually { running.isSet }
                #expect(started)
                await group.triggerGracefulShutdown()
            }
            let kept = try #require(try await redis.job(id))
            #expect(kept.state == .active)
            #expect(kept.attempts == 1)
        }
    }

    /// With Redis unreachable every heartbeat fails; nothing used to stop the handler after its
    /// lease expired, so it ran on while the reclaimer handed the job to someone else. Now it is
    /// stopped once its lease has gone a whole visibility timeout without confirmation.
    @Test func handlerIsStoppedWhenHeartbeatsFailForAVisibilityTimeout() async throws {
        let server = try PrivateRedis()
        try server.start()
        defer { server.stop() }
        var configuration = try RedisConfiguration(url: server.url, setting: "test", poolSize: 4)
        configuration.timeoutMs = 200
        let client = RedisClient(configuration: configuration)
        let redis = TestRedis(client: client)
        let started = Mutex<ContinuousClock.Instant?>(nil)
        let stoppedAfter = Mutex<Duration?>(nil)
        var handlers = HandlerRegistry()
        handlers.register("long") { _ in
            let start = ContinuousClock.now
            started.withLock { $0 = start }
            do { try await Task.sleep(for: .seconds(30)) } catch { stoppedAfter.withLock { $0 = ContinuousClock.now - start } }
            return nil
        }
        let id = try await redis.enqueue("long")
        let metrics = ForgeMetrics()
        try await withWorker(
            redis,
            handlers: handlers,
            configuration: testConfiguration(concurrency: 1, visibilityMs: 900),
            metrics: metrics
        ) { _ in
            let began = try await eventually { started.withLock { $0 } != nil }
            #expect(began)
            server.freeze()
            let stopped = try await eventually(timeout: .seconds(15)) { stoppedAfter.withLock { $0 } != nil }
            server.thaw()
            #expect(stopped)
            // Stopped by the lost-lease watchdog, long before the job's own 30 s, and counted. (When
            // exactly is the watchdog's clock, not this test's: a loaded machine only delays it.)
            let after = try #require(stoppedAfter.withLock { $0 })
            #expect(after < .seconds(15))
            let lost = try await eventually {
                String(decoding: metrics.render(), as: UTF8.self)
                    .contains(#"forge_jobs_failed_total{queue="q",type="long",reason="lease_lost"} 1"#)
            }
            #expect(lost)
            let record = try #require(try await redis.job(id))
            #expect(record.state == .active)
        }
        await client.shutdown()
    }
}
