/// A failure a handler throws to decide what happens next.
///
/// `retryable: true` schedules another attempt with the job's backoff (while attempts remain);
/// `retryable: false` moves the job straight to the dead-letter set (a bad request will not get
/// better by retrying it). Any other error a handler throws counts as retryable.
public struct JobFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var retryable: Bool

    public init(message: String, retryable: Bool = true) {
        self.message = message
        self.retryable = retryable
    }

    public var description: String { message }
}
