import ForgeCore
import ForgePostgres

/// What the archiver remembers about queues whose history writes fail: when to try each again,
/// and whether the failure has repeated often enough to isolate the job at fault.
///
/// Pure state, driven by the archiver with the time it reads from its clock, so its rules are
/// tested without Postgres or sleeps:
/// - a queue that failed is skipped until its backoff (1 s, doubling, at most `maxBackoff`, 5 s
///   by default, so history resumes soon after an outage) has passed, so a poisoned queue
///   neither hammers Postgres nor takes the pass from the others;
/// - a failure Postgres gave for the data (``Failure/refusedData``) is isolated by the next try
///   at once; one that may or may not be the data's (``Failure/suspect``: a program limit, a
///   statement timeout, anything but an outage) after `suspectTries` failures in a row; an
///   outage (``Failure/outage``) never, since every queue fails alike and isolating would
///   quarantine good history;
/// - a success forgets the queue.
package struct ArchiveTroubles: Sendable {
    package enum Failure: Sendable, Equatable {
        case refusedData
        case suspect
        case outage

        /// How a failed write is treated: by Postgres' SQLSTATE where there is one.
        package init(_ error: any Error) {
            guard let error = error as? PostgresError else {
                self = .outage  // Redis (the acknowledgement) or anything else: retry as is.
                return
            }
            if error.refusesData {
                self = .refusedData
            } else if error.isOutage {
                self = .outage
            } else {
                self = .suspect
            }
        }
    }

    private struct Trouble {
        var failures: Int
        var retryAt: ContinuousClock.Instant
        var isolateNext: Bool
    }

    package let suspectTries: Int
    package let maxBackoff: Duration
    private var troubles: [QueueName: Trouble] = [:]

    package init(suspectTries: Int = 3, maxBackoff: Duration = .seconds(5)) {
        self.suspectTries = max(1, suspectTries)
        self.maxBackoff = maxBackoff
    }

    /// Whether the queue may be read and written now.
    package func isDue(_ queue: QueueName, at now: ContinuousClock.Instant) -> Bool {
        troubles[queue].map { now >= $0.retryAt } ?? true
    }

    /// Whether the next write of the queue should isolate the job at fault (split the batch and
    /// quarantine what Postgres keeps refusing) rather than write the batch as a whole.
    package func shouldIsolate(_ queue: QueueName) -> Bool {
        troubles[queue]?.isolateNext ?? false
    }

    /// The queues in trouble, for the metric and the log.
    package var queues: [QueueName] { troubles.keys.sorted() }

    package mutating func failed(_ queue: QueueName, _ failure: Failure, at now: ContinuousClock.Instant) {
        var trouble = troubles[queue] ?? Trouble(failures: 0, retryAt: now, isolateNext: false)
        trouble.failures += 1
        let doublings = min(trouble.failures - 1, 10)
        trouble.retryAt = now + min(.seconds(1) * (1 << doublings), maxBackoff)
        switch failure {
        case .refusedData: trouble.isolateNext = true
        case .suspect: trouble.isolateNext = trouble.failures >= suspectTries
        case .outage: trouble.isolateNext = false
        }
        troubles[queue] = trouble
    }

    package mutating func succeeded(_ queue: QueueName) {
        troubles[queue] = nil
    }
}
