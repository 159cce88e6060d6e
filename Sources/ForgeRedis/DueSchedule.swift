import ForgeCore

/// A schedule whose due time has come, as the leader read it (``ScheduleStore/due(atOrBefore:limit:)``).
public struct DueSchedule: Sendable {
    /// When the leader reads a schedule again, recorded with ``ScheduleStore/record(_:)``.
    public enum Next: Sendable, Hashable {
        /// At this time (Unix ms): its next tick, or the next pass after a refused enqueue.
        case at(Int64)
        /// Not until a PUT changes it: it is paused, or it can never fire.
        case parked
        /// Never: the schedule is gone.
        case removed

        var score: String {
            switch self {
            case .at(let ms): String(ms)
            case .parked: "+inf"
            case .removed: ""
            }
        }
    }

    /// What the leader records after reading a due schedule.
    public struct Update: Sendable, Hashable {
        public var name: String
        /// The due score the leader read: the entry moves only while it still holds it.
        public var seenScore: String
        public var next: Next
        /// The tick to record as the last one enqueued (or the time a new schedule starts from).
        public var firedMs: Int64?
    }

    public var name: String
    /// The due score as Redis gave it (kept as text, so the update can compare it exactly).
    public var score: String
    /// `false` when the schedule was deleted and only its due entry was left.
    public var exists: Bool
    /// `nil` when it does not exist or its JSON is not a schedule.
    public var schedule: Schedule?
    public var lastFiredMs: Int64?
    /// New or resumed: its next tick is its first, whatever it fired before.
    public var fresh: Bool

    package init(name: String, score: String, exists: Bool, schedule: Schedule?, lastFiredMs: Int64?, fresh: Bool) {
        self.name = name
        self.score = score
        self.exists = exists
        self.schedule = schedule
        self.lastFiredMs = lastFiredMs
        self.fresh = fresh
    }

    public func update(_ next: Next, firedMs: Int64? = nil) -> Update {
        Update(name: name, seenScore: score, next: next, firedMs: firedMs)
    }
}
