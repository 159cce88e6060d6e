import ForgeCore

/// A batch read from one queue's events stream: the parsed events and every entry id read,
/// including entries that could not be parsed, so acknowledging the batch never leaves a
/// poison entry behind.
public struct EventBatch: Sendable {
    public var queue: QueueName
    public var events: [JobEvent]
    public var entryIDs: [String]
    /// Size of the entries read, in bytes of packed event text (what the archiver bounds a pass by).
    public var bytes = 0

    public var isEmpty: Bool { entryIDs.isEmpty }
}

/// Which entries of the archiver's consumer group a read returns.
public enum EventRead: Sendable {
    /// Entries delivered earlier but never acknowledged, then new ones (one round trip).
    case pendingThenNew
    /// Only entries delivered earlier but never acknowledged.
    case pendingOnly
    /// Only entries never delivered: safe to read while an earlier batch is still being written.
    case newOnly
}

extension QueueStore {
    public static let archiverGroup = "archiver"

    /// Reads up to `count` unarchived events of `queue` through the archiver's consumer group.
    ///
    /// Pending entries were delivered but never acknowledged (the previous leader died between
    /// writing and acknowledging, or a write failed). Replaying them is safe because the history
    /// store ignores anything at or below a job's stored `seq`.
    public func readEvents(
        _ queue: QueueName,
        count: Int,
        consumer: String = "archiver",
        _ which: EventRead = .pendingThenNew
    ) async throws(RedisError) -> EventBatch {
        let stream = keys.queue(queue).events
        func read(_ from: String) -> [String] {
            ["XREADGROUP", "GROUP", Self.archiverGroup, consumer, "COUNT", String(count), "STREAMS", stream, from]
        }
        let commands: [[String]] =
            switch which {
            case .pendingThenNew: [read("0"), read(">")]
            case .pendingOnly: [read("0")]
            case .newOnly: [read(">")]
            }
        var batch = EventBatch(queue: queue, events: [], entryIDs: [])
        var replies = try await redis.pipeline(commands)
        if case .error(let message) = replies[0], message.hasPrefix("NOGROUP") {
            // Without MKSTREAM: a queue whose stream does not exist has nothing to archive, and
            // creating it would bring back a key of a queue deleted since the registry was read.
            let created = try await redis.command(["XGROUP", "CREATE", stream, Self.archiverGroup, "0"])
            if case .error(let message) = created {
                if message.contains("requires the key to exist") { return batch }
                throw RedisError.server(message)
            }
            replies = try await redis.pipeline(commands)
        }
        var seen = Set<String>()
        for reply in replies {
            if case .error(let message) = reply { throw RedisError.server(message) }
            for stream in reply.array ?? [] {
                guard let parts = stream.array, parts.count == 2 else { continue }
                for entry in parts[1].array ?? [] {
                    guard let pair = entry.array, pair.count == 2, let id = pair[0].string, seen.insert(id).inserted
                    else { continue }
                    batch.entryIDs.append(id)
                    batch.bytes += EventFields.size(pair[1])
                    EventFields.parse(pair[1], streamID: id, queue: queue, into: &batch.events)
                }
            }
        }
        return batch
    }

    /// Acknowledges and deletes archived entries, keeping the stream short, and shortens the TTL
    /// of the jobs the batch finished to ``finishedRetentionMs``: history answers for them now
    /// (see ``ArchivedScript``). A job whose events were quarantined goes the same way: its row is
    /// in history without the refused values, which the quarantine table keeps; holding it in
    /// Redis for a day instead would let a poisoned queue fill Redis at its throughput.
    public func acknowledgeEvents(_ batch: EventBatch) async throws(RedisError) {
        guard !batch.isEmpty else { return }
        let finished = batch.events.filter { $0.kind == .completed || $0.kind == .canceled }.map(\.jobID)
        let call = ArchivedScript.call(
            keys.queue(batch.queue),
            group: Self.archiverGroup,
            entryIDs: batch.entryIDs,
            finished: finished,
            finishedTTLMs: finishedRetentionMs
        )
        _ = try await redis.evaluate(call)
    }

    /// Entries in the stream not yet archived (delivered or not).
    public func eventBacklog(_ queue: QueueName) async throws(RedisError) -> Int {
        Int(try await redis.command(["XLEN", keys.queue(queue).events]).int ?? 0)
    }
}

/// The stream entry layout written by the prelude's `event`: field `e` holds events separated by
/// `\u{1E}`, each a positional record separated by `\u{1F}` (see ``LuaPrelude``).
///
/// Parsed on UTF-8 bytes: the archiver reads tens of thousands of events a second, and splitting
/// `String`s by `Character` (grapheme-aware) cost more than the Redis round trip.
package enum EventFields {
    /// Bytes of the packed text in one entry's fields.
    static func size(_ value: RedisValue) -> Int {
        (value.array ?? []).reduce(0) { $0 + ($1.string?.utf8.count ?? 0) }
    }

    /// Appends the events of one stream entry to `events` (one array for a whole read: an array
    /// per entry cost three allocations as it grew).
    package static func parse(_ value: RedisValue, streamID: String, queue: QueueName, into events: inout [JobEvent]) {
        guard let flat = value.array, flat.count >= 2, flat[0].string == "e", let text = flat[1].string else { return }
        var utf8Text = text
        utf8Text.withUTF8 { bytes in
            var start = 0
            for index in 0...bytes.count where index == bytes.count || bytes[index] == 0x1E {
                if index > start, let event = event(UnsafeBufferPointer(rebasing: bytes[start..<index]), streamID, queue) {
                    events.append(event)
                }
                start = index + 1
            }
        }
    }

    private static func event(_ record: UnsafeBufferPointer<UInt8>, _ streamID: String, _ queue: QueueName) -> JobEvent? {
        let f = PackedFields(record, separator: 0x1F, maxFields: 12)
        guard f.count >= 11, let id = try? JobID(f.string(0)), let seq = f.int(1),
            let kind = JobEvent.Kind(rawValue: f.string(2)), let state = JobState(rawValue: f.string(3)), let at = f.int(4)
        else { return nil }
        let spec = f.count == 12 && !f.isEmpty(11) ? JobSpec(packed: f.slice(11)) : nil
        return JobEvent(
            streamID: streamID,
            jobID: id,
            queue: queue,
            seq: Int(seq),
            kind: kind,
            state: state,
            atMs: at,
            attempts: f.int(5).map { Int($0) },
            type: spec?.type,
            payload: spec?.payload,
            priority: f.int(9).map { Int($0) },
            maxAttempts: f.int(10).map { Int($0) },
            runAtMs: f.int(6),
            error: f.optionalString(7),
            result: f.optionalString(8),
            uniqueKey: spec?.uniqueKey,
            timeoutMs: spec?.timeoutMs,
            backoff: spec?.backoff
        )
    }
}

/// Field boundaries within one separator-delimited byte record; the last field keeps any further
/// separators (it is the payload-bearing one).
///
/// The boundaries live inline (at most ``capacity`` fields): the archiver splits every event and
/// every job spec it reads, and a growing array of them was five allocations per event.
struct PackedFields {
    static let capacity = 12

    private let bytes: UnsafeBufferPointer<UInt8>
    /// Where each field ends; a field starts one past the end of the one before.
    private var ends = InlineArray<12, Int>(repeating: 0)
    private(set) var count = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>, separator: UInt8, maxFields: Int) {
        precondition(maxFields <= Self.capacity, "PackedFields holds at most \(Self.capacity) fields")
        self.bytes = bytes
        for index in 0..<bytes.count where bytes[index] == separator && count < maxFields - 1 {
            ends[count] = index
            count += 1
        }
        ends[count] = bytes.count
        count += 1
    }

    private func start(_ field: Int) -> Int { field == 0 ? 0 : ends[field - 1] + 1 }

    func isEmpty(_ field: Int) -> Bool { field >= count || start(field) == ends[field] }

    func slice(_ field: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[start(field)..<ends[field]])
    }

    func string(_ field: Int) -> String {
        field < count ? String(decoding: slice(field), as: UTF8.self) : ""
    }

    func optionalString(_ field: Int) -> String? { isEmpty(field) ? nil : string(field) }

    /// A non-negative decimal, or nil when empty or not a number.
    func int(_ field: Int) -> Int64? {
        guard !isEmpty(field) else { return nil }
        var value: Int64 = 0
        for byte in slice(field) {
            guard (0x30...0x39).contains(byte) else { return nil }
            value = value &* 10 &+ Int64(byte - 0x30)
        }
        return value
    }
}

/// Text that travels inside packed events must not contain their separators, nor NUL, which no
/// Postgres text or `jsonb` value can hold (an error message carrying one used to make every
/// archive pass fail); NUL becomes U+FFFD, the replacement character.
enum EventText {
    /// The longest error message kept, in UTF-8 bytes: a handler's error text is for people
    /// (Sidekiq and River keep messages of this order), and each failure's message is stored in
    /// the job hash, the events stream and the job's history row.
    static let maxErrorBytes = 16 * 1024

    /// `error` cleaned, and cut at ``maxErrorBytes`` (on a character boundary, marked).
    static func error(_ error: String) -> String {
        let cleaned = clean(error)
        guard cleaned.utf8.count > maxErrorBytes else { return cleaned }
        let marker = " …[truncated]"
        var end = cleaned.utf8.index(cleaned.utf8.startIndex, offsetBy: maxErrorBytes - marker.utf8.count)
        while end.samePosition(in: cleaned.unicodeScalars) == nil { end = cleaned.utf8.index(before: end) }
        return String(cleaned.unicodeScalars[..<end]) + marker
    }

    static func clean(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == 0x1E || $0 == 0x1F || $0 == 0 }) else { return text }
        var cleaned = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\u{1E}", "\u{1F}": cleaned.append(" ")
            case "\u{0}": cleaned.append("\u{FFFD}")
            default: cleaned.append(scalar)
            }
        }
        return String(cleaned)
    }
}
