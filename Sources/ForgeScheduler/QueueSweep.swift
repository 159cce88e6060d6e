import ForgeCore

/// One pass of a per-queue duty (promote, reclaim, trim) over every queue, so that one queue's
/// failure never skips the others: a queue whose script fails (a key of the wrong type, a
/// refusal, a value the script cannot read) is reported under `<duty>/<queue>` and the pass goes
/// on. The pass fails as a whole, for the duty loop's backoff, only when every queue failed
/// (Redis is down), and at once when the replica stopped leading or the task was cancelled.
struct QueueSweep {
    var duty: String
    var reporter: FailureReporter

    func run(_ queues: [QueueName], _ step: (QueueName) async throws -> Void) async throws {
        var failures: [(queue: QueueName, error: any Error)] = []
        for queue in queues {
            do {
                try await step(queue)
            } catch let error where error is NotLeading || error is CancellationError {
                throw error
            } catch {
                failures.append((queue, error))
            }
        }
        if !failures.isEmpty, failures.count == queues.count { throw failures[0].error }
        for failure in failures { reporter.report(failure.error, duty: "\(duty)/\(failure.queue)") }
    }
}
