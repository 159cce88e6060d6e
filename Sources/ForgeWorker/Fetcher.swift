import ForgeCore
import ForgeRedis
import Logging

/// Leases jobs into free slots, by queue weight; when every queue is empty it blocks on the
/// wake-up lists instead of polling, so an idle worker picks up a new job within milliseconds.
///
/// An idle wait that times out does not try every queue again: only a wake-up token, a new queue
/// in the registry (`*`), or a ready job found by the check every ``fullScanInterval`` (one
/// pipelined `EXISTS` per queue) sends it leasing. With 1 000 queues, a lease call per queue
/// after every wait was most of an idle worker's CPU and thousands of Redis calls a second; the
/// periodic check is the safety net for a token lost with a worker that crashed holding it.
struct Fetcher: Sendable {
    let parts: WorkerParts
    let wake: WakeListener

    static let fullScanInterval: Duration = .seconds(5)

    func run() async {
        let state = parts.state
        let configuration = parts.configuration
        var bell = state.fetchBell.listener()
        var delay = RetryDelay()
        // Where to lease next: the queues a wake-up or check named, or every queue (`nil`).
        var candidates: [QueueName]?
        var nextRefresh = ContinuousClock.now
        while !Task.isCancelled {
            if case .all = configuration.queues, ContinuousClock.now >= nextRefresh {
                _ = await refreshQueues()
                nextRefresh = ContinuousClock.now + configuration.queueRefreshInterval
            }
            var reserved: Int? = 0
            let woke = await bell.wait {
                reserved = state.reserveForFetch(limit: configuration.leaseBatch)
                return reserved != 0
            }
            guard woke, let slots = reserved else { return }

            var remaining = slots
            do {
                for queue in candidates ?? parts.picker.order() where remaining > 0 {
                    let sent = ContinuousClock.now
                    let jobs = try await parts.store.lease(
                        queue: queue, count: remaining, visibilityMs: configuration.visibilityMs,
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
            if remaining < slots { continue }

            // Every queue tried was empty (or paused): sleep until a script pushes a wake-up token.
            candidates = await sleepUntilWork(refreshing: &nextRefresh, delay: &delay)
        }
    }

    /// Blocks on the wake-up lists until a token names a queue with work, or the check every
    /// ``fullScanInterval`` finds ready jobs (returns those queues), or a new queue joins the
    /// registry or something failed (`nil`: try every queue).
    private func sleepUntilWork(refreshing nextRefresh: inout ContinuousClock.Instant, delay: inout RetryDelay) async -> [QueueName]? {
        let configuration = parts.configuration
        var lookEverywhere = ContinuousClock.now + Self.fullScanInterval
        while !Task.isCancelled {
            if case .all = configuration.queues, ContinuousClock.now >= nextRefresh {
                nextRefresh = ContinuousClock.now + configuration.queueRefreshInterval
                if await refreshQueues() { return nil }
            }
            let names = parts.picker.names
            guard !names.isEmpty else {
                // `*` before any queue exists: nothing to block on yet.
                try? await Task.sleep(for: configuration.queueRefreshInterval)
                return nil
            }
            do {
                // With `*`, look again when the registry is due for a re-read: a new queue's wake-ups
                // go to a list this wait does not cover yet.
                var timeoutMs = configuration.idleWaitMs
                if case .all = configuration.queues {
                    let refreshMs = configuration.queueRefreshInterval.components.seconds * 1000
                        + configuration.queueRefreshInterval.components.attoseconds / 1_000_000_000_000_000
                    timeoutMs = max(1, min(timeoutMs, Int(refreshMs)))
                }
                if let woken = try await wake.wait(for: names + [parts.interrupt], timeoutMs: timeoutMs) {
                    delay.reset()
                    // The interrupt token only ends the wait (the worker drains).
                    return woken == parts.interrupt ? nil : [woken]
                }
                delay.reset()
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

    /// `*`: serve every queue in the registry, including ones created after start. Returns
    /// whether the list changed.
    private func refreshQueues() async -> Bool {
        do {
            let names = try await parts.store.queueNames()
            guard names != parts.picker.names else { return false }
            parts.logger.info("serving queues", metadata: ["queues": "\(names.map(\.rawValue))"])
            parts.picker.replace(with: names)
            parts.metrics.prepare(names)
            return true
        } catch {
            parts.metrics.redisError()
            parts.logger.error("could not read the queue registry", metadata: ["error": "\(error)"])
            return false
        }
    }
}
