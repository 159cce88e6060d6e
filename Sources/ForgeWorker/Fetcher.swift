import ForgeCore
import ForgeRedis
import Logging

/// Leases jobs into free slots, by queue weight; when every queue is empty it blocks on the
/// wake-up lists instead of polling, so an idle worker picks up a new job within milliseconds.
///
/// An idle wait that times out does not try every queue again: only a wake-up token, a new queue
/// in the registry (`*`, ``RegistryWatcher``), or a ready job found by the check every ``fullScanInterval`` (one
/// pipelined `EXISTS` per queue) sends it leasing. With 1 000 queues, a lease call per queue
/// after every wait was most of an idle worker's CPU and thousands of Redis calls a second; the
/// periodic check is the safety net for a token lost with a worker that crashed holding it.
struct Fetcher: Sendable {
    let parts: WorkerParts
    let wake: WakeListener

    static let fullScanInterval: Duration = .seconds(5)
    /// The most queues looked at before an idle wait on a cluster (see ``readyElsewhere(than:)``).
    static let maxReadyCheck = 64

    func run() async {
        let state = parts.state
        let configuration = parts.configuration
        var bell = state.fetchBell.listener()
        var delay = RetryDelay()
        // Where to lease next: the queues a wake-up or check named, or every queue (`nil`).
        var candidates: [QueueName]?
        while !Task.isCancelled {
            var reserved: Int? = 0
            let woke = await bell.wait {
                reserved = state.reserveForFetch(limit: configuration.leaseBatch)
                return reserved != 0
            }
            guard woke, let slots = reserved else { return }

            var remaining = slots
            let tried = candidates
            do {
                for queue in candidates ?? parts.picker.order() where remaining > 0 {
                    let sent = ContinuousClock.now
                    let jobs = try await parts.store.lease(
                        queue: queue,
                        count: remaining,
                        visibilityMs: configuration.visibilityMs,
                        worker: configuration.workerName
                    )
                    remaining -= jobs.count
                    await parts.release(state.admit(jobs, reserved: jobs.count, sentAt: sent))
                }
                state.unreserve(remaining)
                delay.reset()
            } catch {
                state.unreserve(remaining)
                parts.metrics.redisError()
                parts.logger.error("lease failed", metadata: ["error": "\(error)"])
                await delay.wait()
                continue
            }
            candidates = nil
            // Every slot filled: the queue that filled them may hold more, so lease again (from
            // every queue, by weight) as soon as slots free up.
            if remaining == 0 { continue }

            // Every queue tried came back short, so each was empty when asked (or paused): sleep
            // until a script pushes a wake-up token. Trying every queue again after a lease that
            // found work cost each job of a steady trickle an empty lease call (a round trip and
            // a script run in Redis) before the worker slept.
            if let tried, let ready = await readyElsewhere(than: tried) {
                candidates = ready
                continue
            }
            candidates = await sleepUntilWork(delay: &delay)
        }
    }

    /// On a Redis Cluster, the queues other than `tried` (those a wake-up named, now empty) that
    /// hold ready jobs, if any: there an idle wait is a BLPOP per slot on connections of their own
    /// plus `CLIENT UNBLOCK`s to end them (dozens of calls for 16 queues), which a busy worker went
    /// through for every job, while one pipelined `EXISTS` per queue (a round trip per node, all at
    /// once) finds the work its tokens would. Queues just tried are left out, so a paused queue
    /// that holds jobs cannot keep the worker from sleeping. On one Redis the wait is one BLPOP,
    /// cheaper than the check, and past ``maxReadyCheck`` queues the check costs more than the
    /// wait: `nil`.
    private func readyElsewhere(than tried: [QueueName]) async -> [QueueName]? {
        guard parts.store.redis.configuration.cluster else { return nil }
        let others = parts.picker.rotation().filter { !tried.contains($0) }
        guard !others.isEmpty, others.count <= Self.maxReadyCheck, let ready = try? await parts.store.queuesWithReadyJobs(among: others),
            !ready.isEmpty
        else { return nil }
        return ready
    }

    /// Blocks on the wake-up lists until a token names a queue with work, or the check every
    /// ``fullScanInterval`` finds ready jobs (returns those queues), or the wait is interrupted (a
    /// new queue joined the registry, or the worker drains) or failed (`nil`: try every queue).
    private func sleepUntilWork(delay: inout RetryDelay) async -> [QueueName]? {
        let configuration = parts.configuration
        var lookEverywhere = ContinuousClock.now + Self.fullScanInterval
        while !Task.isCancelled {
            // `*` before any queue exists blocks on the interrupt alone: the registry watcher
            // pushes it when the first queue appears. BLPOP takes the first key in its list that
            // holds a token, so the list starts at a queue picked by weight: a queue that always
            // has tokens must not keep the others waiting.
            let names = parts.picker.rotation()
            do {
                let woken = try await wake.wait(for: names + [parts.interrupt], timeoutMs: configuration.idleWaitMs)
                delay.reset()
                // The interrupt token only ends the wait (``RegistryWatcher``, or the drainer).
                if let woken { return woken == parts.interrupt ? nil : [woken] }
            } catch {
                parts.metrics.redisError()
                parts.logger.error("wake-up wait failed", metadata: ["error": "\(error)"])
                await delay.wait()
                return nil
            }
            if ContinuousClock.now >= lookEverywhere {
                lookEverywhere = ContinuousClock.now + Self.fullScanInterval
                do {
                    let ready = try await parts.store.queuesWithReadyJobs(among: names)
                    if !ready.isEmpty { return ready }
                } catch {
                    parts.metrics.redisError()
                    parts.logger.error("ready-job check failed", metadata: ["error": "\(error)"])
                    return nil
                }
            }
        }
        return nil
    }
}
