import ForgeCore
import ForgeRedis
import Logging

/// Runs one leased job: the handler in a task of its own, which an outside stop (cancel, lost
/// lease, end of grace, or the job's deadline from ``DeadlineWatcher``) cancels; then reports
/// the outcome. If the handler ignores the stop past the runaway grace, the worker gives up on it
/// (see `WorkerState+Runaways.swift`) and the runner ends without it.
struct JobRunner: Sendable {
    let parts: WorkerParts

    private enum Outcome: Sendable {
        case returned(String?)
        case threw(any Error)
        case timedOut
        case stopped(StopReason)
        /// The handler ignored its stop; `failAttempt`: the lease was still good.
        case givenUp(failAttempt: Bool)
    }

    func run(_ assignment: Assignment) async {
        let job = assignment.job
        let lease = LeaseRef(job)
        let state = parts.state
        let start = ContinuousClock.now
        let context = JobContext(
            id: job.id,
            queue: job.queue,
            type: job.type,
            payload: job.payload,
            attempt: job.attempts,
            maxAttempts: job.maxAttempts,
            deadline: assignment.deadline,
            logger: parts.logger
        )
        guard let handler = parts.handlers.handler(for: job.type) else {
            if state.handlerEnded(lease) {
                parts.metrics.failed(job, .noHandler)
                // Retryable: another worker version may know the type.
                await fail(job, message: "no handler for type \(job.type)", retryable: true, logger: context.logger)
            }
            state.remove(lease)
            return
        }

        // The handler's own task, so an outside stop (``RunControl``) can cancel just it; this
        // task waits for it, so it never outlives the run, unless the worker gives up on a handler
        // that ignores its stop: that one runs on alone (nothing can end it), and what it returns
        // is dropped. One task per job, no helper tasks.
        let control = assignment.control
        let task = Task { () -> Outcome in
            let outcome: Outcome
            do { outcome = .returned(try await handler.handle(context)) } catch { outcome = .threw(error) }
            if !control.handlerEnded() { state.runawayEnded(lease) }
            return outcome
        }
        control.attach { task.cancel() }
        let end = await withTaskCancellationHandler {
            await control.waitForHandler()
        } onCancel: {
            task.cancel()
        }
        let outcome: Outcome =
            switch end {
            case .givenUp(let failAttempt): .givenUp(failAttempt: failAttempt)
            case .ended(stoppedFor: .timedOut): .timedOut
            case .ended(stoppedFor: .some(let reason)): .stopped(reason)
            case .ended(stoppedFor: nil): await task.value
            }
        let elapsed = ContinuousClock.now - start

        switch outcome {
        case .returned(let result):
            parts.metrics.ran(job, for: elapsed)
            let completion = Completion(id: job.id, token: job.token, result: result)
            // The entry stays until the ack flusher has reported it, unless it was stopped meanwhile.
            if state.handlerEnded(lease, completion: completion) { return }
        case .threw(let error) where Task.isCancelled:
            // The whole service was cancelled (not drained): hand the job back at once.
            context.logger.debug("handler cancelled with the worker", metadata: ["error": "\(error)"])
            state.handlerEnded(lease)
            await parts.release([job])
        case .threw(let error):
            parts.metrics.ran(job, for: elapsed)
            if state.handlerEnded(lease) {
                parts.metrics.failed(job, .error)
                let failure = error as? JobFailure
                await fail(
                    job,
                    message: failure?.message ?? String(describing: error),
                    retryable: failure?.retryable ?? true,
                    logger: context.logger
                )
            }
        case .timedOut:
            if state.handlerEnded(lease) { await failTimedOut(job, logger: context.logger) }
        case .givenUp(let failAttempt):
            context.logger.warning(
                "handler ignored its stop for the runaway grace; its slot is free and its outcome will be dropped",
                metadata: ["runaway_grace": "\(parts.configuration.runawayGrace)"]
            )
            if failAttempt { await failTimedOut(job, logger: context.logger) }
        case .stopped(let reason):
            state.handlerEnded(lease)
            context.logger.info("handler stopped", metadata: ["reason": "\(reason)"])
        }
        state.remove(lease)
    }

    /// Fails an attempt that ran past its job's `timeout_ms`: retryable, with the job's backoff.
    private func failTimedOut(_ job: LeasedJob, logger: Logger) async {
        parts.metrics.failed(job, .timeout)
        await fail(job, message: "timeout after \(job.timeoutMs) ms", retryable: true, logger: logger)
    }

    /// Records a failed attempt, retrying through a Redis outage for as long as the lease could
    /// still be ours (after that the reclaimer has taken the job back anyway).
    private func fail(_ job: LeasedJob, message: String, retryable: Bool, logger: Logger) async {
        let giveUp = ContinuousClock.now + .milliseconds(parts.configuration.visibilityMs)
        var delay = RetryDelay()
        while true {
            do {
                let outcome = try await parts.store.fail(
                    queue: job.queue,
                    LeaseRef(job),
                    error: message,
                    retryable: retryable,
                    retryDelayMs: job.backoff.delayMs(afterAttempt: job.attempts)
                )
                switch outcome {
                case .retrying(let atMs):
                    parts.metrics.retried(job)
                    logger.info("job failed, will retry", metadata: ["error": "\(message)", "retry_at_ms": "\(atMs)"])
                case .dead:
                    parts.metrics.dead(job)
                    logger.warning("job failed, moved to dead letters", metadata: ["error": "\(message)"])
                case .canceled:
                    logger.info("job failed after it was canceled; not retried", metadata: ["error": "\(message)"])
                case .stale:
                    logger.warning("job failed after its lease was lost", metadata: ["error": "\(message)"])
                }
                return
            } catch {
                parts.metrics.redisError()
                logger.error("could not record failure", metadata: ["error": "\(error)"])
                guard ContinuousClock.now < giveUp, !Task.isCancelled else { return }
                await delay.wait()
            }
        }
    }
}
