import ForgeCore
import FoundationEssentials

/// What lives only in Redis besides jobs (cron schedules, paused queues), copied into history's
/// schema so a recovery can put it back (``JobRecovery``).
public struct RedisMirror: Sendable, Hashable {
    public var schedules: [Schedule]
    public var paused: [QueueName]

    public init(schedules: [Schedule], paused: [QueueName]) {
        self.schedules = schedules.sorted { $0.name < $1.name }
        self.paused = paused.sorted()
    }
}

extension HistoryStore {
    /// Replaces the mirror with `mirror`, in one transaction.
    public func saveMirror(_ mirror: RedisMirror) async throws(PostgresError) {
        var names = PostgresArray()
        var definitions = PostgresArray()
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        for schedule in mirror.schedules {
            names.append(schedule.name)
            definitions.append((try? encoder.encode(schedule)).map { String(decoding: $0, as: UTF8.self) } ?? "{}")
        }
        var paused = PostgresArray()
        for queue in mirror.paused { paused.append(queue.rawValue) }
        let parameters = (names.literal, definitions.literal, paused.literal)
        try await client.transaction { connection throws(PostgresError) in
            _ = try connection.query("DELETE FROM redis_mirror_schedules")
            _ = try connection.query(
                "INSERT INTO redis_mirror_schedules (name, schedule) SELECT * FROM unnest($1::text[], $2::text[])",
                [parameters.0, parameters.1]
            )
            _ = try connection.query("DELETE FROM redis_mirror_paused")
            _ = try connection.query("INSERT INTO redis_mirror_paused (queue) SELECT * FROM unnest($1::text[])", [parameters.2])
        }
    }

    /// The mirror as last saved (empty before the first save).
    public func mirror() async throws(PostgresError) -> RedisMirror {
        let schedules = try await client.query("SELECT schedule FROM redis_mirror_schedules ORDER BY name")
        let paused = try await client.query("SELECT queue FROM redis_mirror_paused ORDER BY queue")
        let decoder = JSONDecoder()
        return RedisMirror(
            schedules: schedules.rows.compactMap { $0[0].flatMap { try? decoder.decode(Schedule.self, from: Data($0.utf8)) } },
            paused: paused.rows.compactMap { $0[0].flatMap { try? QueueName($0) } }
        )
    }
}
