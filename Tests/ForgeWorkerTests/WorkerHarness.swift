import ForgeCore
import ForgeObservability
import ForgeRedis
import ForgeTestSupport
import ForgeWorker
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

extension TestRedis {
    func enqueue(
        _ type: String,
        queue: String = "q",
        payload: String? = nil,
        maxAttempts: Int? = nil,
        timeoutMs: Int64? = nil,
        backoff: Backoff? = nil
    ) async throws -> JobID {
        let job = try NewJob(
            queue: queue,
            type: type,
            payload: payload,
            maxAttempts: maxAttempts,
            timeoutMs: timeoutMs,
            backoff: backoff
        )
        return try await queues.enqueue(job).id
    }

    func job(_ id: JobID) async throws -> JobRecord? { try await queues.job(id) }

    /// Waits until the job reaches `state` (up to `timeout`), promoting due retries meanwhile
    /// since no scheduler runs in these tests; returns the record.
    @discardableResult
    func waitFor(
        _ id: JobID,
        state: JobState,
        promoting queue: QueueName? = nil,
        timeout: Duration = .seconds(30)
    ) async throws -> JobRecord {
        var last: JobRecord?
        let reached = try await eventually(timeout: timeout) {
            if let queue { _ = try await queues.promoteDue(queue) }
            last = try await job(id)
            return last?.state == state
        }
        guard reached, let record = last else {
            throw TestFailure(
                "job \(id) did not reach \(state); last seen \(String(describing: last?.state)), error \(String(describing: last?.lastError))"
            )
        }
        return record
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Polls `condition` every 10 ms until it holds or `timeout` passes.
func eventually(timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async throws -> Bool {
    let end = ContinuousClock.now + timeout
    while ContinuousClock.now < end {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(10))
    }
    return try await condition()
}

let quietLogger = Logger(label: "forge.worker.test") { _ in SwiftLogNoOpLogHandler() }

/// A backoff of 1 ms, so retries fall due at once.
let fastBackoff = try! Backoff(baseMs: 1, capMs: 1)

func testConfiguration(
    queues: QueueSelection = .weighted([.init(name: try! QueueName("q"))]),
    concurrency: Int = 4,
    visibilityMs: Int64 = 30_000,
    grace: Duration = .seconds(5),
    idleWaitMs: Int = 1_000
) -> WorkerConfiguration {
    WorkerConfiguration(
        queues: queues,
        concurrency: concurrency,
        leaseBatch: 16,
        visibilityMs: visibilityMs,
        gracePeriod: grace,
        workerName: "test-worker",
        queueRefreshInterval: .milliseconds(100),
        idleWaitMs: idleWaitMs
    )
}

/// Runs a worker in a `ServiceGroup` around `body`, then shuts it down gracefully and waits for
/// it to return. `body` gets the group so it can start the shutdown itself.
@discardableResult
func withWorker<T: Sendable>(
    _ redis: TestRedis,
    handlers: HandlerRegistry,
    configuration: WorkerConfiguration,
    metrics: ForgeMetrics = ForgeMetrics(),
    readiness: Readiness? = nil,
    _ body: @Sendable (ServiceGroup) async throws -> T
) async throws -> T {
    let worker = WorkerService(
        store: redis.queues,
        handlers: handlers,
        configuration: configuration,
        metrics: metrics,
        readiness: readiness,
        logger: quietLogger
    )
    let group = ServiceGroup(configuration: .init(services: [worker], logger: quietLogger))
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        let result: Result<T, any Error>
        do { result = .success(try await body(group)) } catch { result = .failure(error) }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
        return try result.get()
    }
}

/// Counts handlers running at once and the highest count seen.
final class Occupancy: Sendable {
    private let state = Mutex<(now: Int, max: Int, total: Int)>((0, 0, 0))

    func enter() {
        state.withLock {
            $0.now += 1
            $0.max = Swift.max($0.max, $0.now)
            $0.total += 1
        }
    }
    func leave() { state.withLock { $0.now -= 1 } }
    var max: Int { state.withLock { $0.max } }
    var total: Int { state.withLock { $0.total } }
    var now: Int { state.withLock { $0.now } }
}

/// A boolean set from a handler and read by the test.
final class Flag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .relaxed) }
    var isSet: Bool { value.load(ordering: .relaxed) }
}
