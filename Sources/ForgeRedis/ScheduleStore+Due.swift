import ForgeCore

/// The scheduler leader's side of the schedules: read only the due ones, record what it did, and
/// keep the due index whole.
extension ScheduleStore {
    /// The schedules due at `nowMs` (their due time is at or before it), earliest first, at most
    /// `limit`, each with its JSON, last tick and whether it is fresh: four commands in two round
    /// trips, however many schedules there are.
    public func due(atOrBefore nowMs: Int64, limit: Int) async throws(RedisError) -> [DueSchedule] {
        let range = try await redis.command(
            ["ZRANGEBYSCORE", keys.schedules.due, "-inf", String(nowMs), "WITHSCORES", "LIMIT", "0", String(limit)]
        )
        if case .error(let message) = range { throw RedisError.server(message) }
        let flat = range.array ?? []
        let entries = stride(from: 0, to: flat.count - 1, by: 2).compactMap { index in
            flat[index].string.flatMap { name in flat[index + 1].string.map { (name: name, score: $0) } }
        }
        guard !entries.isEmpty else { return [] }
        let names = entries.map(\.name)
        let index = keys.schedules
        let replies = try await redis.pipeline(
            [["HMGET", index.records] + names, ["HMGET", index.fired] + names, ["SMISMEMBER", index.fresh] + names]
        )
        for case .error(let message) in replies { throw RedisError.server(message) }
        let (records, ticks, fresh) = (replies[0].array ?? [], replies[1].array ?? [], replies[2].array ?? [])
        return entries.enumerated().map { index, entry in
            let json = index < records.count ? records[index].string : nil
            return DueSchedule(
                name: entry.name,
                score: entry.score,
                exists: json != nil,
                schedule: json.flatMap(Self.decode),
                lastFiredMs: index < ticks.count ? ticks[index].int : nil,
                fresh: index < fresh.count && fresh[index].int == 1
            )
        }
    }

    /// Records the ticks and moves the due entries of schedules the leader read, in one round trip.
    public func record(_ updates: [DueSchedule.Update]) async throws(RedisError) {
        guard !updates.isEmpty else { return }
        let ticks = updates.compactMap { update in update.firedMs.map { (name: update.name, tickMs: $0) } }
        var calls = [RescheduleScript.call(keys.schedules, updates)]
        if !ticks.isEmpty { calls.insert(MarkFiredScript.call(keys.schedules, ticks: ticks), at: 0) }
        for case .error(let message) in try await redis.evaluate(calls) { throw RedisError.server(message) }
    }

    /// Gives every schedule a due entry (those stored before the index existed), drops the entries
    /// of deleted schedules and has parked ones read once more, fresh (``ReindexSchedulesScript``).
    /// Returns how many entries were added.
    @discardableResult
    public func reindex() async throws(RedisError) -> Int {
        let reply = try await redis.evaluate(ReindexSchedulesScript.call(keys.schedules))
        return Int(reply.array?.first?.int ?? 0)
    }
}
