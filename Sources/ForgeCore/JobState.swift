/// Where a job is in its life.
///
/// `scheduled → pending → active → completed`; `active → retrying → pending`; `dead` after the last
/// attempt or a non-retryable failure; `canceled` from any non-terminal state.
public enum JobState: String, Sendable, Codable, CaseIterable {
    case scheduled, pending, active, retrying, completed, dead, canceled

    public var isTerminal: Bool {
        switch self {
        case .completed, .dead, .canceled: true
        case .scheduled, .pending, .active, .retrying: false
        }
    }

    /// Whether the state machine allows moving from `self` to `next`.
    public func canMove(to next: JobState) -> Bool {
        switch (self, next) {
        case (.scheduled, .pending), (.pending, .active), (.active, .completed), (.active, .retrying),
            (.active, .dead), (.active, .pending), (.retrying, .pending), (.dead, .pending):
            true
        case (_, .canceled):
            !isTerminal
        default:
            false
        }
    }
}
