import ForgeCore

/// Claims an `Idempotency-Key` for one request, or returns the request that claimed it first.
///
/// KEYS: 1 the key's record (``KeySpace/idempotency(_:)``, a slot of its own)
/// ARGV: 1 the request's fingerprint, 2 the job ids the request will create (comma-separated),
///   3 how long the key holds (ms)
///
/// Guarantees: the first request with a key stores `<fingerprint>|<ids>` and gets nil back; every
/// later request within the window gets that record instead, whatever it sent. The caller
/// compares fingerprints (a different body is a 422) and otherwise enqueues the stored ids: the
/// enqueue script never creates an id twice, so concurrent repeats and a repeat after a crash
/// between claim and enqueue both end with exactly the first request's jobs.
enum IdempotencyScript {
    static let script = LuaScript(
        name: "idempotency-claim",
        source: #"""
            local prior = redis.call('GET', KEYS[1])
            if prior then return prior end
            redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[2], 'PX', ARGV[3])
            return false
            """#
    )

    static func call(_ key: String, fingerprint: String, ids: [JobID], windowMs: Int64) -> ScriptCall {
        ScriptCall(script, keys: [key], arguments: [fingerprint, record(ids), String(windowMs)])
    }

    /// Gives a claim back: deletes the key's record only while it is still the one `release`
    /// names, so a request whose enqueue was refused as a whole frees its key without touching a
    /// later request's claim.
    ///
    /// KEYS: 1 the key's record. ARGV: 1 the fingerprint, 2 the job ids (comma-separated).
    /// Returns 1 when the record was deleted, else 0.
    static let release = LuaScript(
        name: "idempotency-release",
        source: #"""
            if redis.call('GET', KEYS[1]) == ARGV[1] .. '|' .. ARGV[2] then return redis.call('DEL', KEYS[1]) end
            return 0
            """#
    )

    static func releaseCall(_ key: String, fingerprint: String, ids: [JobID]) -> ScriptCall {
        ScriptCall(release, keys: [key], arguments: [fingerprint, record(ids)])
    }

    private static func record(_ ids: [JobID]) -> String { ids.map(\.rawValue).joined(separator: ",") }
}
