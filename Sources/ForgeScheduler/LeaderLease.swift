import ForgeObservability
import ForgeRedis
import Logging
import Prometheus
import Synchronization

/// Leader election over one Redis lock (`KeySpace.leader`), so exactly one scheduler replica runs
/// the duties at a time while the others stand by.
///
/// The lock is `SET <leader> <id> NX PX <ttl>`; the leader renews it every third of the TTL with a
/// script that only extends it while it still holds our id, and steps down at once when a renew
/// fails (Redis error, lost key, or no successful renew for a whole TTL), so two replicas never
/// both believe they lead for long. Every acquisition draws a fencing ``epoch`` in the same
/// script that takes the lock (``LeaderScripts/acquire``), strictly larger than any earlier
/// leader's; duties pass it to every queue script they run and run nothing without it.
public final class LeaderLease: Sendable {
    public let id: String
    public let ttlMs: Int64
    private let redis: RedisClient
    private let keys: KeySpace
    private let metrics: ForgeMetrics?
    private let logger: Logger
    private let state = Mutex(State())

    private static let releasedReason = "released"

    private struct State {
        var epoch: Int64?
        /// When the last successful acquire or renew was sent (conservative: before the reply).
        var renewedAt: ContinuousClock.Instant?
        var watchers: [Int: AsyncStream<Bool>.Continuation] = [:]
        var nextWatcher = 0
    }

    public init(redis: RedisClient, keys: KeySpace, id: String, ttlMs: Int64 = 5000, metrics: ForgeMetrics? = nil, logger: Logger) {
        self.redis = redis
        self.keys = keys
        self.id = id
        self.ttlMs = max(30, ttlMs)
        self.metrics = metrics
        self.logger = logger
        metrics?.schedulerLeader.set(to: 0)
    }

    /// Whether this replica holds the lock as of its last renew.
    public var isLeader: Bool { state.withLock { $0.epoch != nil } }

    /// The fencing token of the current leadership, `nil` while following.
    public var epoch: Int64? { state.withLock { $0.epoch } }

    /// The fencing token duties pass to the queue scripts; throws while following, so a duty
    /// still running after a step-down changes nothing (it used to run unfenced).
    public func currentEpoch() throws(NotLeading) -> Int64 {
        guard let epoch else { throw NotLeading(replica: id) }
        return epoch
    }

    /// How often the leader renews and followers retry.
    public var refreshInterval: Duration { .milliseconds(ttlMs / 3) }

    /// The current leadership first, then every change, until the consumer stops listening.
    public func changes() -> AsyncStream<Bool> {
        let (stream, continuation) = AsyncStream.makeStream(of: Bool.self, bufferingPolicy: .unbounded)
        let token = state.withLock { state in
            let token = state.nextWatcher
            state.nextWatcher += 1
            state.watchers[token] = continuation
            continuation.yield(state.epoch != nil)
            return token
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.watchers.removeValue(forKey: token) }
        }
        return stream
    }

    /// Acquires or renews every ``refreshInterval`` until the task is cancelled. Does not release
    /// the lock: the owner calls ``release()`` after its duties have stopped.
    public func run() async {
        while !Task.isCancelled {
            await refresh()
            do { try await Task.sleep(for: refreshInterval) } catch { return }
        }
    }

    /// One step: a leader renews (stepping down if that fails), a follower tries to acquire.
    public func refresh() async {
        let started = ContinuousClock.now
        let (leading, stalled) = state.withLock { state in
            (state.epoch != nil, state.renewedAt.map { started - $0 >= .milliseconds(ttlMs) } ?? false)
        }
        if leading && !stalled {
            await renew(started: started)
            return
        }
        // Renews that stalled for a whole TTL mean the lock may already be someone else's.
        if stalled { stepDown(reason: "no successful renew within the lease TTL") }
        await acquire(started: started)
    }

    /// Gives the lock up at once (graceful shutdown) so a follower takes over without waiting
    /// for the TTL to run out.
    public func release() async {
        let wasLeader = isLeader
        stepDown(reason: Self.releasedReason)
        guard wasLeader else { return }
        do {
            _ = try await redis.evaluate(ScriptCall(LeaderScripts.release, keys: [keys.leader], arguments: [id]))
        } catch {
            metrics?.redisErrors.increment()
            logger.warning("could not release the leader lock; it expires by itself", metadata: ["error": "\(error)"])
        }
    }

    private func renew(started: ContinuousClock.Instant) async {
        do {
            let call = ScriptCall(LeaderScripts.renew, keys: [keys.leader], arguments: [id, String(ttlMs)])
            if try await redis.evaluate(call).int == 1 {
                state.withLock { $0.renewedAt = started }
            } else {
                stepDown(reason: "the lock is no longer ours")
            }
        } catch {
            metrics?.redisErrors.increment()
            stepDown(reason: "renew failed: \(error)")
        }
    }

    private func acquire(started: ContinuousClock.Instant) async {
        do {
            let call = ScriptCall(LeaderScripts.acquire, keys: [keys.leader, keys.leaderEpoch], arguments: [id, String(ttlMs)])
            guard let epoch = try await redis.evaluate(call).int, epoch > 0 else { return }
            becomeLeader(epoch: epoch, at: started)
        } catch {
            metrics?.redisErrors.increment()
            logger.debug("leader acquire failed", metadata: ["error": "\(error)"])
        }
    }

    private func becomeLeader(epoch: Int64, at instant: ContinuousClock.Instant) {
        let watchers = state.withLock { state in
            state.epoch = epoch
            state.renewedAt = instant
            return Array(state.watchers.values)
        }
        metrics?.schedulerLeader.set(to: 1)
        logger.info("became scheduler leader", metadata: ["id": "\(id)", "epoch": "\(epoch)"])
        for watcher in watchers { watcher.yield(true) }
    }

    private func stepDown(reason: String) {
        let (epoch, watchers) = state.withLock { state in
            let epoch = state.epoch
            state.epoch = nil
            state.renewedAt = nil
            return (epoch, Array(state.watchers.values))
        }
        guard let epoch else { return }
        metrics?.schedulerLeader.set(to: 0)
        let level: Logger.Level = reason == Self.releasedReason ? .info : .warning
        logger.log(level: level, "stepped down as scheduler leader", metadata: ["id": "\(id)", "epoch": "\(epoch)", "reason": "\(reason)"])
        for watcher in watchers { watcher.yield(false) }
    }
}

/// A duty asked for the leader's fencing epoch on a replica that does not lead (any more).
public struct NotLeading: Error, Sendable, CustomStringConvertible {
    public var replica: String
    public var description: String { "scheduler \(replica) is not the leader" }
}
