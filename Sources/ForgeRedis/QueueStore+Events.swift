import ForgeCore

/// A batch read from one queue's events stream: the parsed events and every entry id read,
/// including entries that could not be parsed, so acknowledging the batch never leaves a
/// poison entry behind.
public struct EventBatch: Sendable {
    public var queue: QueueName
    public var events: [JobEvent]
    public var entryIDs: [String]

    public var isEmpty: Bool { entryIDs.isEmpty }
}

extension QueueStore {
    public static let archiverGroup = "archiver"

    /// Reads up to `count` unarchived events of `queue` through the archiver's consumer group.
    ///
    /// Entries delivered earlier but never acknowledged (the previous leader died between writing
    /// and acknowledging) come first, then new ones, in one round trip. Replaying them is safe
    /// because the history store ignores anything at or below a job's stored `seq`.
    public func readEvents(_ queue: QueueName, count: Int, consumer: String = "archiver") async throws(RedisError) -> EventBatch {
        let stream = keys.queue(queue).events
        func read(_ from: String) -> [String] {
            ["XREADGROUP", "GROUP", Self.archiverGroup, consumer, "COUNT", String(count), "STREAMS", stream, from]
        }
        var replies = try await redis.pipeline([read("0"), read(">")])
        if case .error(let message) = replies[0], message.hasPrefix("NOGROUP") {
            _ = try await redis.command(["XGROUP", "CREATE", stream, Self.archiverGroup, "0", "MKSTREAM"])
            replies = try await redis.pipeline([read("0"), read(">")])
        }
        var batch = EventBatch(queue: queue, events: [], entryIDs: [])
        var seen = Set<String>()
        for reply in replies {
            if case .error(let message) = reply { throw RedisError.server(message) }
            for stream in reply.array ?? [] {
                guard let parts = stream.array, parts.count == 2 else { continue }
                for entry in parts[1].array ?? [] {
                    guard let pair = entry.array, pair.count == 2, let id = pair[0].string, seen.insert(id).inserted
                    else { continue }
                    batch.entryIDs.append(id)
                    batch.events += EventFields.parse(pair[1], streamID: id, queue: queue)
                }
            }
        }
        return batch
    }

    /// Acknowledges and deletes archived entries, keeping the stream short.
    public func acknowledgeEvents(_ batch: EventBatch) async throws(RedisError) {
        guard !batch.isEmpty else { return }
        let stream = keys.queue(batch.queue).events
        let replies = try await redis.pipeline([
            ["XACK", stream, Self.archiverGroup] + batch.entryIDs,
            ["XDEL", stream] + batch.entryIDs,
        ])
        for case .error(let message) in replies { throw RedisError.server(message) }
    }

    /// Entries in the stream not yet archived (delivered or not).
    public func eventBacklog(_ queue: QueueName) async throws(RedisError) -> Int {
        Int(try await redis.command(["XLEN", keys.queue(queue).events]).int ?? 0)
    }
}

/// The stream entry layout written by the prelude's `event`: field `e` holds events separated by
/// `\u{1E}`, each a positional record separated by `\u{1F}` (see ``LuaPrelude``).
enum EventFields {
    static func parse(_ value: RedisValue, streamID: String, queue: QueueName) -> [JobEvent] {
        guard let flat = value.array, flat.count >= 2, flat[0].string == "e", let text = flat[1].string else { return [] }
        return text.split(separator: "\u{1E}", omittingEmptySubsequences: true).compactMap {
            event($0, streamID: streamID, queue: queue)
        }
    }

    private static func event(_ record: Substring, streamID: String, queue: QueueName) -> JobEvent? {
        let f = record.split(separator: "\u{1F}", maxSplits: 11, omittingEmptySubsequences: false)
        guard f.count >= 11, let id = try? JobID(String(f[0])), let seq = Int(f[1]),
            let kind = JobEvent.Kind(rawValue: String(f[2])), let state = JobState(rawValue: String(f[3])),
            let at = Int64(f[4])
        else { return nil }
        func text(_ index: Int) -> String? { index < f.count && !f[index].isEmpty ? String(f[index]) : nil }
        let spec = f.count == 12 && !f[11].isEmpty ? JobSpec(packed: f[11]) : nil
        return JobEvent(
            streamID: streamID, jobID: id, queue: queue, seq: seq, kind: kind, state: state, atMs: at,
            attempts: text(5).flatMap { Int($0) }, type: spec?.type, payload: spec?.payload,
            priority: text(9).flatMap { Int($0) }, maxAttempts: text(10).flatMap { Int($0) },
            runAtMs: text(6).flatMap { Int64($0) }, error: text(7), result: text(8), uniqueKey: spec?.uniqueKey
        )
    }
}

/// Text that travels inside packed events must not contain their separators.
enum EventText {
    static func clean(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == 0x1E || $0 == 0x1F }) else { return text }
        return String(text.map { $0 == "\u{1E}" || $0 == "\u{1F}" ? " " : $0 })
    }
}
