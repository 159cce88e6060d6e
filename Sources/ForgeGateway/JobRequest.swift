import ForgeCore

/// The job request of `POST /v1/jobs` and each item of `POST /v1/jobs/batch`:
/// `{type, queue?, payload?, priority?, run_at? | delay_ms?, max_attempts?, timeout_ms?,
/// backoff?: {base_ms, cap_ms}, unique_key?, unique_for_ms?}`.
enum JobRequest {
    /// Validates every field and builds the job; errors name the field under `reader.path`.
    ///
    /// - Parameter idempotencyKey: the `Idempotency-Key` header, used as `unique_key` (window
    ///   24 h unless `unique_for_ms` says otherwise) when the body has no `unique_key`.
    static func newJob(
        from reader: ObjectReader, limits: JobLimits, idempotencyKey: String? = nil
    ) throws(ValidationError) -> NewJob {
        var reader = reader
        let type = try reader.requiredString("type")
        let queue = try reader.string("queue")
        // The payload's exact text: parsed once with the body, stored byte for byte.
        let payload = reader.json("payload")
        if payload?.hasNull == true {
            throw reader.invalid("payload", "must not contain the character U+0000 (\\u0000): Postgres history cannot store it")
        }
        let priority = try reader.int("priority")
        let runAt = try reader.string("run_at")
        let delayMs = try reader.int64("delay_ms")
        let maxAttempts = try reader.int("max_attempts")
        let timeoutMs = try reader.int64("timeout_ms")
        var backoff: Backoff?
        if var nested = try reader.object("backoff") {
            guard let base = try nested.int64("base_ms") else { throw nested.invalid("base_ms", "is required") }
            guard let cap = try nested.int64("cap_ms") else { throw nested.invalid("cap_ms", "is required") }
            try nested.finish()
            do { backoff = try Backoff(baseMs: base, capMs: cap) } catch { throw nest(error, reader.path) }
        }
        let uniqueKey = try reader.string("unique_key")
        let uniqueForMs = try reader.int64("unique_for_ms")
        try reader.finish()

        var runAtMs: Int64?
        if let runAt {
            guard let parsed = RFC3339.parse(runAt) else {
                throw reader.invalid("run_at", "must be an RFC 3339 time such as 2030-01-01T12:00:00Z")
            }
            runAtMs = parsed
        }
        do {
            return try NewJob(
                queue: queue, type: type, payload: payload?.text, payloadIsJSON: true, priority: priority,
                runAtMs: runAtMs, delayMs: delayMs,
                maxAttempts: maxAttempts, timeoutMs: timeoutMs, backoff: backoff,
                uniqueKey: uniqueKey ?? idempotencyKey, uniqueForMs: uniqueForMs, limits: limits
            )
        } catch {
            throw nest(error, reader.path)
        }
    }

    /// The `Idempotency-Key` header, checked like a `unique_key`.
    static func idempotencyKey(_ header: String?) throws(ValidationError) -> String? {
        guard let header else { return nil }
        guard (1...256).contains(header.utf8.count) else {
            throw ValidationError(field: "Idempotency-Key", reason: "must be 1 to 256 bytes long")
        }
        return header
    }

    private static func nest(_ error: ValidationError, _ path: String) -> ValidationError {
        path.isEmpty ? error : error.nested(under: path)
    }
}
