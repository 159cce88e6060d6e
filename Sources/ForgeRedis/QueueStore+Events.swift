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

/// The stream entry layout written by the prelude's `event`: one or more events per entry, each
/// a run of field-value pairs starting with `j` (the job id).
enum EventFields {
    static func parse(_ value: RedisValue, streamID: String, queue: QueueName) -> [JobEvent] {
        guard let flat = value.array else { return [] }
        var events: [JobEvent] = []
        var fields: [String: String] = [:]
        for index in stride(from: 0, to: flat.count - 1, by: 2) {
            guard let key = flat[index].string else { continue }
            if key == "j", !fields.isEmpty {
                if let event = event(fields, streamID: streamID, queue: queue) { events.append(event) }
                fields.removeAll(keepingCapacity: true)
            }
            fields[key] = flat[index + 1].string
        }
        if let event = event(fields, streamID: streamID, queue: queue) { events.append(event) }
        return events
    }

    private static func event(_ f: [String: String], streamID: String, queue: QueueName) -> JobEvent? {
        guard let id = f["j"].flatMap({ try? JobID($0) }), let seq = f["s"].flatMap({ Int($0) }),
            let kind = f["k"].flatMap(JobEvent.Kind.init(rawValue:)), let state = f["st"].flatMap(JobState.init(rawValue:)),
            let at = f["t"].flatMap({ Int64($0) })
        else { return nil }
        return JobEvent(
            streamID: streamID, jobID: id, queue: queue, seq: seq, kind: kind, state: state, atMs: at,
            attempts: f["a"].flatMap { Int($0) }, type: f["ty"], payload: f["p"], priority: f["pr"].flatMap { Int($0) },
            maxAttempts: f["ma"].flatMap { Int($0) }, runAtMs: f["ra"].flatMap { Int64($0) }, error: f["e"],
            result: f["r"].flatMap { $0.isEmpty ? nil : $0 }, uniqueKey: f["u"].flatMap { $0.isEmpty ? nil : $0 }
        )
    }
}
