import ForgeCore
import ForgeRedis
import ForgeTestSupport
import ForgeWorker
import Foundation
import Testing

/// A running worker shows in the worker registry with its settings and busy slots, and leaves it
/// when it stops gracefully.
@Suite struct WorkerPresenceTests {
    @Test func aRunningWorkerIsAliveWithItsBusySlotsAndGoneAfterAGracefulStop() async throws {
        try await TestRedis.with { redis in
            let registry = WorkerRegistry(redis: redis.client, keys: redis.keys)
            let release = Flag()
            let running = Occupancy()
            var handlers = HandlerRegistry()
            handlers.register("hold") { _ in
                running.enter()
                defer { running.leave() }
                while !release.isSet { try await Task.sleep(for: .milliseconds(10)) }
                return nil
            }
            var configuration = testConfiguration(concurrency: 3)
            configuration.presenceInterval = .milliseconds(50)
            try await withWorker(redis, handlers: handlers, configuration: configuration) { _ in
                let idle = try await eventually {
                    try await registry.alive(now: WallClock.nowMilliseconds()).first?.busy == 0
                }
                #expect(idle)
                _ = try await redis.enqueue("hold")
                _ = try await redis.enqueue("hold")
                #expect(try await eventually { running.now == 2 })
                var seen: WorkerPresence?
                let busy = try await eventually {
                    seen = try await registry.alive(now: WallClock.nowMilliseconds()).first
                    return seen?.busy == 2
                }
                #expect(busy)
                let presence = try #require(seen)
                #expect(presence.name == "test-worker")
                #expect(presence.queues == ["q"] && presence.concurrency == 3 && !presence.draining)
                #expect(presence.pid == Int(ProcessInfo.processInfo.processIdentifier))
                #expect(presence.startedAtMs <= presence.seenAtMs)
                release.set()
            }
            #expect(try await registry.alive(now: WallClock.nowMilliseconds()).isEmpty)
            #expect(try await redis.client.command(["EXISTS", redis.keys.worker("test-worker")]).int == 0)
        }
    }
}
