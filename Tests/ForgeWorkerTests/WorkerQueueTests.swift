import ForgeCore
import ForgeRedis
import ForgeTestSupport
import ForgeWorker
import Testing

@Suite struct WorkerQueueTests {
    @Test func weightedQueuesAreAllServedAndEmptyOnesSkipped() async throws {
        try await TestRedis.with { redis in
            let selection = try QueueSelection(parsing: "heavy:5,light:1,empty:3")
            let heavy = try await redis.queues.enqueue((0..<10).map { _ in try NewJob(queue: "heavy", type: "noop") })
            let light = try await redis.queues.enqueue((0..<10).map { _ in try NewJob(queue: "light", type: "noop") })
            try await withWorker(redis, handlers: .builtins, configuration: testConfiguration(queues: selection)) { _ in
                for result in heavy + light { try await redis.waitFor(result.id, state: .completed) }
            }
        }
    }

    /// BLPOP takes the first listed key that holds a token, and a worker sleeps on it after every
    /// lease that came back short (issue 16: no empty lease call per job of a trickle): a queue
    /// whose wake-up list always holds tokens (stale ones too: jobs other workers took along with
    /// their acks) must not keep another queue's job waiting for the periodic check.
    @Test func aQueueThatAlwaysHasWakeUpsDoesNotStarveAnother() async throws {
        try await TestRedis.with { redis in
            let selection = try QueueSelection(parsing: "hot,cold")
            let hotWake = redis.keys.queue(try QueueName("hot")).wake
            _ = try await redis.enqueue("noop", queue: "hot")  // registers the queue
            try await withWorker(redis, handlers: .builtins, configuration: testConfiguration(queues: selection)) { _ in
                let stale = Task {
                    while !Task.isCancelled {
                        _ = try? await redis.client.command(["RPUSH", hotWake] + Array(repeating: "1", count: 10))
                        try? await Task.sleep(for: .milliseconds(2))
                    }
                }
                defer { stale.cancel() }
                try await Task.sleep(for: .milliseconds(200))
                let cold = try await redis.enqueue("noop", queue: "cold")
                // A worker woken by a token every time never reaches its periodic ready-job check,
                // so with the queues in a fixed order this job would wait for ever; the bound is
                // generous because a worker leasing empty all the time is slow to ack under load
                // (CI once saw it leased but not completed after 3 s).
                try await redis.waitFor(cold, state: .completed, timeout: .seconds(20))
            }
        }
    }

    @Test func starServesQueuesCreatedAfterStart() async throws {
        try await TestRedis.with { redis in
            let early = try await redis.enqueue("noop", queue: "early")
            try await withWorker(redis, handlers: .builtins, configuration: testConfiguration(queues: .all)) { _ in
                try await redis.waitFor(early, state: .completed)
                let late = try await redis.enqueue("noop", queue: "late")
                try await redis.waitFor(late, state: .completed)
            }
        }
    }

    @Test func queueListParsesWeightsAndRefusesBadText() throws {
        #expect(try QueueSelection(parsing: "*") == .all)
        #expect(
            try QueueSelection(parsing: "critical:5, default")
                == .weighted([
                    .init(name: try QueueName("critical"), weight: 5), .init(name: try QueueName("default"), weight: 1),
                ])
        )
        for bad in ["", "a,,b", "Bad", "a:0", "a:x", "a:1:2", "a,a"] {
            #expect(throws: ValidationError.self, "\(bad)") { try QueueSelection(parsing: bad) }
        }
    }
}

@Suite struct WorkerIdleTests {
    /// An idle worker no longer tries every queue after each idle wait (issue 16, item 5): a job
    /// made ready without a wake-up token (lost with a crashed worker that popped it) is found
    /// by the periodic ready-job check instead.
    @Test func aReadyJobWhoseWakeUpWasLostStillRuns() async throws {
        try await TestRedis.with { redis in
            let queue = try QueueName("q")
            try await redis.queues.pause(queue)
            try await withWorker(redis, handlers: .builtins, configuration: testConfiguration(idleWaitMs: 200)) { _ in
                let id = try await redis.enqueue("noop")  // its wake-up finds the queue paused
                try await Task.sleep(for: .milliseconds(500))
                // Resumed behind the resume script's back: the job is ready and no token says so.
                _ = try await redis.client.command(["DEL", redis.keys.queue(queue).paused, redis.keys.queue(queue).wake])
                try await redis.waitFor(id, state: .completed, timeout: .seconds(20))
            }
        }
    }
}

extension WorkerIdleTests {
    /// A `*` worker's idle wait covers only the queues it knew when the wait began: the registry
    /// watcher interrupts it when a queue appears, the first one included. With a one-minute idle
    /// wait, a job in a new queue would otherwise sit until the wait ran out.
    @Test func starTakesUpANewQueueWithoutWaitingOutItsIdleWait() async throws {
        try await TestRedis.with { redis in
            let configuration = testConfiguration(queues: .all, idleWaitMs: 60_000)
            try await withWorker(redis, handlers: .builtins, configuration: configuration) { _ in
                try await Task.sleep(for: .milliseconds(300))  // idle, with no queue at all
                let first = try await redis.enqueue("noop", queue: "first")
                try await redis.waitFor(first, state: .completed, timeout: .seconds(20))
                try await Task.sleep(for: .milliseconds(300))  // idle again, waiting on `first` only
                let second = try await redis.enqueue("noop", queue: "second")
                try await redis.waitFor(second, state: .completed, timeout: .seconds(20))
            }
        }
    }
}

/// The order an idle worker's BLPOP lists its queues in.
@Suite struct QueueRotationTests {
    @Test func everyQueueOnceInListOrderStartingByWeight() throws {
        let selection = try QueueSelection(parsing: "a:6,b:3,c:1")
        guard case .weighted(let queues) = selection else {
            Issue.record("not a weighted selection")
            return
        }
        let picker = QueuePicker(queues)
        let names = queues.map(\.name)
        var firsts: [QueueName: Int] = [:]
        for _ in 0..<10_000 {
            let rotation = picker.rotation()
            let start = try #require(names.firstIndex(of: rotation[0]))
            #expect(rotation == Array(names[start...] + names[..<start]))
            firsts[rotation[0], default: 0] += 1
        }
        // 6 : 3 : 1, within a margin that a fair picker misses about never (over 8 standard deviations).
        for (name, share) in zip(names, [0.6, 0.3, 0.1]) {
            #expect(abs(Double(firsts[name] ?? 0) / 10_000 - share) < 0.04, "\(name): \(firsts[name] ?? 0)")
        }
    }
}
