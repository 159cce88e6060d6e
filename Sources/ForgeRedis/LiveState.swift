import ForgeCore

/// The states a job can be listed by while it lives in Redis, each one structure of its queue.
public enum LiveState: String, Sendable, Hashable, CaseIterable {
    /// The ten ready lists, highest priority first, FIFO within one.
    case pending
    /// Waiting for its first run, soonest first.
    case scheduled
    /// Leased by a worker, earliest lease deadline first.
    case active
    /// Waiting to be retried, soonest first.
    case retrying
    /// Dead letters, latest death first.
    case dead

    public var jobState: JobState {
        switch self {
        case .pending: .pending
        case .scheduled: .scheduled
        case .active: .active
        case .retrying: .retrying
        case .dead: .dead
        }
    }
}
