import ForgeCore
import ForgeRedis
import Logging

/// Leases jobs into free slots, by queue weight; when every queue is empty it blocks on the
/// wake-up lists instead of polling, so an idle worker picks up a new job within milliseconds.
struct Fetcher: Sendable {
    let parts: WorkerParts
    let wake: WakeListener

    func run() async {
        let state = parts.state
        let configuration = parts.configuration
        var bell = state.fetchBell.listener()
        var delay = RetryDelay()
        var preferred: QueueName?
        var nextRefresh = ContinuousClock.now
        while !Task.isCancelled {
            if case .all = configuration.queues, ContinuousClock.now >= nextRefresh {
                await refreshQueues()
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
                for queue in parts.picker.order(preferring: preferred) where remaining > 0 {
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
            preferred = nil
            if remaining < slots { continue }

            // Every queue was empty (or paused): sleep until a script pushes a wake-up token.
            let names = parts.picker.names
            guard !names.isEmpty else {
                // `*` before any queue exists: nothing to block on yet.
                try? await Task.sleep(for: configuration.queueRefreshInterval)
                continue
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
                preferred = try await wake.wait(for: names + [parts.interrupt], timeoutMs: timeoutMs)
                delay.reset()
            } catch {
                parts.metrics.redisError()
                parts.logger.error("wake-up wait failed", metadata: ["error": "\(error)"])
                await delay.wait()
            }
        }
    }

    /// `*`: serve every queue in the registry, including ones created after start.
    private func refreshQueues() async {
        do {
            let names = try await parts.store.queueNames()
            if names != parts.picker.names {
                parts.logger.info("serving queues", metadata: ["queues": "\(names.map(\.rawValue))"])
                parts.picker.replace(with: names)
                parts.metrics.prepare(names)
            }
        } catch {
            parts.metrics.redisError()
            parts.logger.error("could not read the queue registry", metadata: ["error": "\(error)"])
        }
    }
}
