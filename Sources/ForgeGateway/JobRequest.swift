import ForgeCore

/// The job request of `POST /v1/jobs` and each item of `POST /v1/jobs/batch`:
/// `{type, queue?, payload?, priority?, run_at? | delay_ms?, max_attempts?, timeout_ms?,
/// backoff?: {base_ms, cap_ms}, unique_key?, unique_for_ms?}`.
///
/// Checked in two steps, so the status says which kind of mistake it is (``RequestError``): first
/// every rule the OpenAPI document states (types, ranges, patterns, unknown fields, `null`,
/// `run_at` with `delay_ms`, `unique_for_ms` without `unique_key`, the payload's size): 400; then
/// the rules it cannot express (U+0000 in the payload, `cap_ms` below `base_ms`): 422.
package enum JobRequest {
    /// Ranges the document states that ``JobLimits`` does not hold (a test compares both).
    package static let priority = 0...9
    package static let baseMs: ClosedRange<Int64> = 1...86_400_000
    package static let capMs: ClosedRange<Int64> = 1...604_800_000

    /// Validates every field and builds the job; errors name the field under `reader.path`.
    /// (`Idempotency-Key` is a separate mechanism with keys of its own: ``IdempotencyKey``.)
    package static func newJob(from reader: ObjectReader, limits: JobLimits) throws(RequestError) -> NewJob {
        var reader = reader
        let fields: Fields
        do {
            fields = try Fields(&reader, limits: limits)
        } catch {
            throw .invalid(error)
        }
        if fields.payloadHasNull {
            throw .unprocessable(reader.invalid("payload", "must not contain the character U+0000 (\\u0000): Postgres history cannot store it"))
        }
        var backoff: Backoff?
        if let (base, cap) = fields.backoff {
            guard cap >= base else {
                throw .unprocessable(ValidationError(field: reader.field("backoff.cap_ms"), reason: "must not be below base_ms (\(base))"))
            }
            do { backoff = try Backoff(baseMs: base, capMs: cap) } catch { throw .invalid(nest(error, reader.path)) }
        }
        do {
            return try NewJob(
                queue: fields.queue,
                type: fields.type,
                payload: fields.payload,
                payloadIsJSON: true,
                priority: fields.priority,
                runAtMs: fields.runAtMs,
                delayMs: fields.delayMs,
                maxAttempts: fields.maxAttempts,
                timeoutMs: fields.timeoutMs,
                backoff: backoff,
                uniqueKey: fields.uniqueKey,
                uniqueForMs: fields.uniqueForMs,
                limits: limits
            )
        } catch {
            throw .invalid(nest(error, reader.path))
        }
    }

    /// The fields, read and checked against the document's rules.
    private struct Fields {
        var type: String
        var queue: String?
        var payload: String?
        var payloadHasNull = false
        var priority: Int?
        var runAtMs: Int64?
        var delayMs: Int64?
        var maxAttempts: Int?
        var timeoutMs: Int64?
        var backoff: (base: Int64, cap: Int64)?
        var uniqueKey: String?
        var uniqueForMs: Int64?

        init(_ reader: inout ObjectReader, limits: JobLimits) throws(ValidationError) {
            type = try reader.requiredString("type")
            _ = try JobType(type, field: reader.field("type"))
            queue = try reader.string("queue")
            if let queue { _ = try QueueName(queue, field: reader.field("queue")) }
            // The payload's exact text: parsed once with the body, stored byte for byte.
            if let json = reader.json("payload") {
                guard json.text.utf8.count <= limits.maxPayloadBytes else {
                    throw reader.invalid("payload", "is larger than \(limits.maxPayloadBytes) bytes")
                }
                payload = json.text
                payloadHasNull = json.hasNull
            }
            priority = try reader.int("priority", in: JobRequest.priority)
            let runAt = try reader.string("run_at")
            delayMs = try reader.int64("delay_ms", in: 0...limits.maxDelayMs)
            maxAttempts = try reader.int("max_attempts", in: limits.maxAttempts)
            timeoutMs = try reader.int64("timeout_ms", in: limits.timeoutMs)
            if var nested = try reader.object("backoff") {
                guard let base = try nested.int64("base_ms", in: JobRequest.baseMs) else {
                    throw nested.invalid("base_ms", "is required")
                }
                guard let cap = try nested.int64("cap_ms", in: JobRequest.capMs) else {
                    throw nested.invalid("cap_ms", "is required")
                }
                try nested.finish()
                backoff = (base, cap)
            }
            uniqueKey = try reader.string("unique_key")
            if let uniqueKey {
                guard (1...256).contains(uniqueKey.unicodeScalars.count) else {
                    throw reader.invalid("unique_key", "must be 1 to 256 characters long")
                }
                guard !uniqueKey.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
                    throw reader.invalid("unique_key", "must not contain control characters")
                }
            }
            uniqueForMs = try reader.int64("unique_for_ms", in: limits.uniqueForMs)
            try reader.finish()

            if let runAt {
                guard let parsed = RFC3339.parse(runAt) else {
                    throw reader.invalid("run_at", "must be an RFC 3339 time such as 2030-01-01T12:00:00Z")
                }
                guard delayMs == nil else { throw reader.invalid("run_at", "must not be given together with delay_ms") }
                // A time before 1970 is in the past like any other: the job runs now.
                runAtMs = max(0, parsed)
            }
            if uniqueForMs != nil, uniqueKey == nil {
                throw reader.invalid("unique_for_ms", "needs unique_key")
            }
        }
    }

    private static func nest(_ error: ValidationError, _ path: String) -> ValidationError {
        path.isEmpty ? error : error.nested(under: path)
    }
}
