/// The keys of the cron schedules: global, cold keys (the gateway writes a schedule rarely; the
/// scheduler leader reads only those that are due).
///
/// The index keys take the schedules hash's name as their hash tag, so all of them live in the
/// hash's Redis Cluster slot and one script may touch them together (``PutScheduleScript``). The
/// fired hash keeps the name it had before the index existed, so schedules stored by the previous
/// release keep their last tick.
public struct ScheduleKeys: Sendable, Hashable {
    /// HASH name → JSON ``Schedule``.
    public let records: String
    /// ZSET name → when the leader must next read the schedule. A time (Unix ms): its next tick;
    /// negative: at the next pass (a PUT's write, each with a value of its own from ``version``,
    /// so a pass can tell that a write came after it read); `+inf`: parked (paused, or it cannot
    /// fire) until a PUT changes it.
    public let due: String
    /// SET of the schedules that start from their next tick when next read: new, or resumed.
    public let fresh: String
    /// Counter handing out the negative due scores of writes.
    public let version: String
    /// HASH name → the last tick the leader enqueued (Unix ms), or the time a schedule started from.
    public let fired: String

    init(namespace: String) {
        records = "\(namespace):schedules"
        // Under the namespace like every key (ACL key patterns, cleanup), tagged by the hash's name.
        due = "\(namespace):{\(records)}:due"
        fresh = "\(namespace):{\(records)}:fresh"
        version = "\(namespace):{\(records)}:version"
        fired = "\(namespace):schedules:fired"
    }
}

extension KeySpace {
    public var schedules: ScheduleKeys { ScheduleKeys(namespace: namespace) }
}
