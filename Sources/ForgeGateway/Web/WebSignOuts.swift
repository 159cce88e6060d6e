import ForgeCore
import ForgeRedis

/// Sessions signed out before they expired. A session cookie is checked by its signature alone
/// (``WebSession``), so clearing it in the browser would leave a copy of it valid for the rest of
/// its 12 hours; signing out records the session's nonce in Redis until then, and every page and
/// action asks for it (one `EXISTS`), on whichever gateway replica it arrives.
struct WebSignOuts: Sendable {
    let redis: RedisClient
    let keys: KeySpace

    func record(_ session: WebSession, nowMs: Int64) async throws(RedisError) {
        let reply = try await redis.command(
            ["SET", keys.webSignedOut(session.nonce), "1", "PX", String(max(1, session.expiresMs - nowMs))]
        )
        if case .error(let message) = reply { throw RedisError.server(message) }
    }

    func contains(_ session: WebSession) async throws(RedisError) -> Bool {
        let reply = try await redis.command(["EXISTS", keys.webSignedOut(session.nonce)])
        if case .error(let message) = reply { throw RedisError.server(message) }
        return reply.int == 1
    }
}
