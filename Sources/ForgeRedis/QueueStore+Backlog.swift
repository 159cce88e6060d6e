import ForgeCore

/// How much history of one queue is waiting in Redis for the archiver.
public struct HistoryBacklog: Sendable, Hashable {
    public var queue: QueueName
    /// Stream entries not yet archived (delivered or not).
    public var entries: Int
    /// Memory the events stream takes, as Redis estimates it (`MEMORY USAGE … SAMPLES 5`).
    public var bytes: Int
    /// When the oldest unarchived entry was written (Redis time, Unix ms); `nil` when none waits.
    public var oldestMs: Int64?
    /// Whether enqueue is refused because of it.
    public var backpressure: Bool
}

extension QueueStore {
    /// The history backlog of every queue in `names` and Redis' clock, in one round trip.
    ///
    /// Acknowledged entries are deleted, so the stream's first entry is the oldest one not yet
    /// archived and its id carries the time it was written: the lag is measurable from Redis
    /// alone, also while Postgres is down.
    public func historyBacklog(_ names: [QueueName]) async throws(RedisError) -> (nowMs: Int64, queues: [HistoryBacklog]) {
        var commands: [[String]] = [["TIME"]]
        for name in names {
            let k = keys.queue(name)
            commands += [
                ["XLEN", k.events], ["XRANGE", k.events, "-", "+", "COUNT", "1"],
                ["MEMORY", "USAGE", k.events, "SAMPLES", "5"], ["EXISTS", k.backpressure],
            ]
        }
        let replies = try await redis.pipeline(commands)
        guard let time = replies[0].array, time.count == 2, let seconds = time[0].int, let micros = time[1].int else {
            throw RedisError.unexpectedReply("TIME", replies[0])
        }
        var backlog: [HistoryBacklog] = []
        for (index, name) in names.enumerated() {
            let base = 1 + index * 4
            var oldest: Int64?
            if let entry = replies[base + 1].array?.first?.array?.first?.string,
                let dash = entry.firstIndex(of: "-")
            {
                oldest = Int64(entry[..<dash])
            }
            let entries = Int(replies[base].int ?? 0)
            // An emptied stream (and its consumer group) still takes a little memory: no backlog.
            backlog.append(
                HistoryBacklog(
                    queue: name,
                    entries: entries,
                    bytes: entries == 0 ? 0 : Int(replies[base + 2].int ?? 0),
                    oldestMs: oldest,
                    backpressure: replies[base + 3].int == 1
                )
            )
        }
        return (seconds * 1000 + micros / 1000, backlog)
    }

    /// Sets or clears a queue's back-pressure flag (see ``QueueKeys/backpressure``).
    public func setBackpressure(_ queue: QueueName, _ on: Bool) async throws(RedisError) {
        let key = keys.queue(queue).backpressure
        _ = try await redis.command(on ? ["SET", key, "1"] : ["DEL", key])
    }
}
