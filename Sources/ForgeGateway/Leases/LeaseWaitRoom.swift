import ForgeCore
import ForgeObservability
import ForgeRedis
import Logging
import Prometheus
import Synchronization

/// Where lease requests wait for work: the long-poll of `POST /v1/queues/{queue}/lease`.
///
/// A request that finds its queue empty waits here, and is woken the way an idle Swift worker
/// is: by the tokens the enqueue, promote, reclaim and resume scripts push onto each queue's
/// `wake` list. One loop per gateway (``run()``) blocks in BLPOP on the lists of the queues that
/// have waiters (a thread and a connection of its own, ``WakeListener``), and each token it pops
/// wakes the longest-waiting request of that queue, which leases again. Requests never touch
/// Redis while they wait, so a thousand long-polls cost one blocked connection; a gateway nobody
/// long-polls never blocks at all.
///
/// A request for a queue the loop does not block on yet pushes a token onto the loop's own
/// interrupt list, so the BLPOP starts again with that queue. A token popped for a queue whose
/// waiters have all gone (timed out) is pushed back for the next taker, and every
/// ``readyCheckInterval`` the loop looks for ready jobs in the waiters' queues (one pipelined
/// `EXISTS` per queue), the safety net for a token another process popped and did not use.
final class LeaseWaitRoom: Sendable {
    /// How a wait ended.
    enum Outcome: Sendable, Equatable {
        /// A token named the queue: lease again.
        case woken
        case timedOut
        /// The gateway is shutting down: answer with what there is.
        case closed
        /// ``GatewayConfiguration/maxLeaseWaiters`` requests wait already.
        case full
    }

    static let readyCheckInterval = Duration.seconds(5)
    /// The longest one BLPOP blocks: it ends early when a token or an interrupt arrives.
    static let blockMs = 5_000

    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Outcome, Never>
    }

    private struct State {
        /// Per queue, oldest first.
        var waiters: [QueueName: [Waiter]] = [:]
        var count = 0
        var nextID: UInt64 = 0
        /// The queues the current BLPOP covers.
        var listening: Set<QueueName> = []
        /// An interrupt was pushed and the BLPOP has not restarted since.
        var interrupted = false
        var closed = false
        /// The loop, idle until a first request waits.
        var idle: CheckedContinuation<Void, Never>?
    }

    private let store: QueueStore
    private let wake: WakeListener
    /// The loop's own wake-up list (no queue uses it).
    private let interrupt: QueueName
    private let metrics: ForgeMetrics
    private let logger: Logger
    private let state = Mutex(State())

    init(store: QueueStore, metrics: ForgeMetrics, logger: Logger) {
        self.store = store
        self.metrics = metrics
        self.logger = logger
        wake = WakeListener(client: store.redis, keys: store.keys)
        // A fresh name per gateway process, like a worker's interrupt list.
        interrupt = (try? QueueName("gateway.\(JobID.generate().rawValue.lowercased())")) ?? .default
    }

    /// Requests waiting now.
    var waiting: Int { state.withLock { $0.count } }

    /// Waits until a token names `queue`, `timeout` passes, or the room closes; at most `limit`
    /// requests wait at once (past it: ``Outcome/full`` at once).
    func wait(for queue: QueueName, timeout: Duration, limit: Int) async -> Outcome {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        return await withTaskGroup(of: Outcome?.self) { group in
            group.addTask { await self.enter(queue, id: id, limit: limit) }
            group.addTask {
                // Cancelled (and ended at once) when the wait ends another way.
                guard (try? await Task.sleep(for: timeout)) != nil else { return nil }
                self.leave(queue, id: id, with: .timedOut)
                return nil
            }
            var outcome = Outcome.timedOut
            for await result in group {
                if let result {
                    outcome = result
                    group.cancelAll()
                }
            }
            return outcome
        }
    }

    private func enter(_ queue: QueueName, id: UInt64, limit: Int) async -> Outcome {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
                let (refused, ring, idle) = state.withLock { state -> (Outcome?, Bool, CheckedContinuation<Void, Never>?) in
                    if state.closed { return (.closed, false, nil) }
                    if state.count >= limit { return (.full, false, nil) }
                    state.waiters[queue, default: []].append(Waiter(id: id, continuation: continuation))
                    state.count += 1
                    let idle = state.idle
                    state.idle = nil
                    // A BLPOP running without this queue must start again to include it.
                    let ring = idle == nil && !state.listening.contains(queue) && !state.interrupted
                    if ring { state.interrupted = true }
                    return (nil, ring, idle)
                }
                if let refused { return continuation.resume(returning: refused) }
                publishCount()
                idle?.resume()
                if ring { Task { await self.ringInterrupt() } }
            }
        } onCancel: {
            leave(queue, id: id, with: .timedOut)
        }
    }

    /// Ends one wait with `outcome`, if it is still waiting.
    private func leave(_ queue: QueueName, id: UInt64, with outcome: Outcome) {
        let waiter = state.withLock { state -> Waiter? in
            guard var list = state.waiters[queue], let index = list.firstIndex(where: { $0.id == id }) else { return nil }
            let waiter = list.remove(at: index)
            state.waiters[queue] = list.isEmpty ? nil : list
            state.count -= 1
            return waiter
        }
        guard let waiter else { return }
        publishCount()
        waiter.continuation.resume(returning: outcome)
    }

    private func publishCount() {
        metrics.remoteLeaseWaiters.set(Int64(waiting))
    }

    /// Wakes the longest-waiting request of `queue`; `false` when none waits.
    private func wakeOne(_ queue: QueueName) -> Bool {
        let waiter = state.withLock { state -> Waiter? in
            guard var list = state.waiters[queue], !list.isEmpty else { return nil }
            let waiter = list.removeFirst()
            state.waiters[queue] = list.isEmpty ? nil : list
            state.count -= 1
            return waiter
        }
        guard let waiter else { return false }
        publishCount()
        waiter.continuation.resume(returning: .woken)
        return true
    }

    private func ringInterrupt() async {
        let key = store.keys.queue(interrupt).wake
        // The key expires in case the loop never pops the token.
        _ = try? await store.redis.pipeline([["RPUSH", key, "1"], ["PEXPIRE", key, "60000"]])
    }

    /// Ends every wait (answered with what each request has) and the loop; later waits end at once.
    func close() {
        let (waiters, idle) = state.withLock { state -> ([Waiter], CheckedContinuation<Void, Never>?) in
            state.closed = true
            let all = state.waiters.values.flatMap { $0 }
            state.waiters = [:]
            state.count = 0
            let idle = state.idle
            state.idle = nil
            return (all, idle)
        }
        publishCount()
        for waiter in waiters { waiter.continuation.resume(returning: .closed) }
        idle?.resume()
        Task { await ringInterrupt() }
    }

    /// The loop: blocks on the wake-up lists of the queues with waiters until ``close()``.
    func run() async {
        var nextCheck = ContinuousClock.now + Self.readyCheckInterval
        var failures = 0
        while let queues = await queuesWithWaiters() {
            do {
                let woken = try await wake.wait(for: queues + [interrupt], timeoutMs: Self.blockMs)
                failures = 0
                if let woken, woken != interrupt, !wakeOne(woken) {
                    // Its waiters left meanwhile: the token is someone else's.
                    _ = try? await store.redis.command(["RPUSH", store.keys.queue(woken).wake, "1"])
                }
            } catch {
                failures += 1
                metrics.redisErrors.increment()
                logger.error("lease wait: wake-up wait failed", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .milliseconds(min(2_000, 100 << min(failures, 5))))
            }
            if ContinuousClock.now >= nextCheck {
                nextCheck = ContinuousClock.now + Self.readyCheckInterval
                for queue in (try? await store.queuesWithReadyJobs(among: queues)) ?? [] { _ = wakeOne(queue) }
            }
        }
        await wake.shutdown()
    }

    /// The queues with waiters, rotated so that on a Redis Cluster (where a wait blocks on at most
    /// ``WakeListener/maxBlockedSlots`` slots) each gets its turn; waits while there are none;
    /// `nil` once closed.
    private func queuesWithWaiters() async -> [QueueName]? {
        enum Next {
            case closed
            case queues([QueueName])
            case nobody
        }
        while true {
            let next = state.withLock { state -> Next in
                if state.closed { return .closed }
                state.interrupted = false
                state.listening = Set(state.waiters.keys)
                return state.waiters.isEmpty ? .nobody : .queues(Array(state.waiters.keys).shuffled())
            }
            switch next {
            case .closed: return nil
            case .queues(let queues): return queues
            case .nobody:
                // Sleeps until ``enter`` or ``close()`` resumes it.
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let resumeNow = state.withLock { state -> Bool in
                        if state.closed || !state.waiters.isEmpty { return true }
                        state.idle = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
        }
    }
}
