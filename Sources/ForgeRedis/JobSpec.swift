import ForgeCore

/// A job's immutable fields, packed by the client into the one `spec` field of the job hash and
/// copied into its `enqueued` event: `type \31 timeout_ms \31 backoff_base \31 backoff_cap \31
/// unique_key \31 payload`. Scripts never look inside; one field instead of six is what makes
/// enqueue and lease cheap (see ``LuaPrelude``). The payload comes last, so nothing in it needs
/// escaping; the other parts cannot contain the separator (validated names and numbers, and
/// unique keys refuse control characters).
struct JobSpec: Sendable, Hashable {
    var type: String
    var timeoutMs: Int64
    var backoff: Backoff
    var uniqueKey: String?
    var payload: String

    static let separator: Character = "\u{1F}"

    init(type: String, timeoutMs: Int64, backoff: Backoff, uniqueKey: String?, payload: String) {
        self.type = type
        self.timeoutMs = timeoutMs
        self.backoff = backoff
        self.uniqueKey = uniqueKey
        self.payload = payload
    }

    init(_ job: NewJob) {
        self.init(
            type: job.type.rawValue,
            timeoutMs: job.timeoutMs,
            backoff: job.backoff,
            uniqueKey: job.uniqueness?.key,
            payload: job.payload
        )
    }

    /// Built in one buffer: joined with `+`, the parts cost eight allocations per enqueued job.
    var packed: String {
        var out = ""
        out.reserveCapacity(type.utf8.count + (uniqueKey?.utf8.count ?? 0) + payload.utf8.count + 64)
        out += type
        out.append(Self.separator)
        out += String(timeoutMs)
        out.append(Self.separator)
        out += String(backoff.baseMs)
        out.append(Self.separator)
        out += String(backoff.capMs)
        out.append(Self.separator)
        out += uniqueKey ?? ""
        out.append(Self.separator)
        out += payload
        return out
    }

    init?(packed: String) {
        var text = packed
        guard let spec = text.withUTF8({ JobSpec(packed: $0) }) else { return nil }
        self = spec
    }

    init?(packed bytes: UnsafeBufferPointer<UInt8>) {
        let parts = PackedFields(bytes, separator: 0x1F, maxFields: 6)
        guard parts.count == 6, let timeout = parts.int(1), let base = parts.int(2), let cap = parts.int(3) else {
            return nil
        }
        self.init(
            type: parts.string(0),
            timeoutMs: timeout,
            backoff: (try? Backoff(baseMs: base, capMs: cap)) ?? .standard,
            uniqueKey: parts.optionalString(4),
            payload: parts.string(5)
        )
    }
}
