import ForgeCore

extension KeySpace {
    /// The record of one `Idempotency-Key` (``IdempotencyScript``); `digest` identifies the key
    /// within its scope (the caller hashes scope, endpoint and key), and is the key's hash tag, so
    /// records spread over the slots of a cluster.
    public func idempotency(_ digest: String) -> String { "\(namespace):idempotency:{\(digest)}" }
}

/// What an `Idempotency-Key` claim found.
public enum IdempotencyClaim: Sendable, Hashable {
    /// The key is new: the request goes ahead with the ids it proposed.
    case claimed
    /// An earlier request with the same key: its fingerprint and the job ids it created.
    case earlier(fingerprint: String, ids: [JobID])
}

extension QueueStore {
    /// Claims `digest` for a request with `fingerprint` that will create `ids`, or returns the
    /// request that claimed it first; see ``IdempotencyScript``.
    public func claimIdempotencyKey(
        _ digest: String,
        fingerprint: String,
        ids: [JobID],
        windowMs: Int64
    ) async throws(RedisError) -> IdempotencyClaim {
        let call = IdempotencyScript.call(keys.idempotency(digest), fingerprint: fingerprint, ids: ids, windowMs: windowMs)
        let reply = try await evaluateRepeatable(call)
        guard let record = reply.string else { return .claimed }
        let parts = record.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw RedisError.unexpectedReply("idempotency-claim", reply) }
        let earlier = parts[1].split(separator: ",").compactMap { try? JobID(String($0)) }
        return .earlier(fingerprint: String(parts[0]), ids: earlier)
    }

    /// Gives back a claim whose request created nothing (its enqueue was refused as a whole), so
    /// the key is free for the client's next request; a claim someone else holds is left alone.
    public func releaseIdempotencyKey(_ digest: String, fingerprint: String, ids: [JobID]) async throws(RedisError) {
        _ = try await evaluateRepeatable(IdempotencyScript.releaseCall(keys.idempotency(digest), fingerprint: fingerprint, ids: ids))
    }
}
