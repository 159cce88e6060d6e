import ForgeCore

/// A signed-in browser: the `forge_session` cookie, `v1.<expires ms>.<token id>.<nonce>.<mac>`.
///
/// The API token itself never reaches the browser. The cookie names the token by a fingerprint (the
/// first bytes of its SHA-256) and is signed with a key derived from that token, so any gateway
/// replica checks it with no shared state, and removing a token from `FORGE_API_TOKENS` ends its
/// sessions. The nonce is random per sign-in; the CSRF token is a MAC of it, so a page's forms
/// carry a value an attacker on another site can neither read nor compute.
///
/// With auth off there is no token: sessions use a public key and the fingerprint `open`. Anyone
/// could forge such a cookie, but with auth off anyone may use the API anyway; what matters there
/// is the CSRF token, still secret because the nonce is.
package struct WebSession: Sendable, Hashable {
    static let cookieName = "forge_session"
    package static let lifetimeMs: Int64 = 12 * 3_600_000

    package let expiresMs: Int64
    let tokenID: String
    let nonce: String
    /// The cookie's whole value.
    package let value: String
    /// What every form of this session carries in its `csrf` field.
    package let csrf: String

    /// Keys by token fingerprint: what sessions are signed with.
    package struct Keys: Sendable {
        private let byID: [String: [UInt8]]
        let authEnabled: Bool

        package init(tokens: [String], authEnabled: Bool) {
            self.authEnabled = authEnabled
            if authEnabled {
                var byID: [String: [UInt8]] = [:]
                for token in tokens { byID[Self.fingerprint(token)] = Self.key(for: token) }
                self.byID = byID
            } else {
                byID = ["open": Self.key(for: "")]
            }
        }

        /// The token's id in cookies: 12 hex digits of its SHA-256, not enough to find the token by.
        static func fingerprint(_ token: String) -> String {
            String(SHA256.hash(data: Array(token.utf8)).lowercaseHex.prefix(12))
        }

        static func key(for token: String) -> [UInt8] {
            SHA256.hash(data: Array("forge-web-session\u{0}\(token)".utf8))
        }

        func key(id: String) -> [UInt8]? { byID[id] }
    }

    /// A new session for `token` (already checked), or for nobody with auth off.
    package static func start(token: String?, keys: Keys, nowMs: Int64) -> WebSession? {
        let id = token.map(Keys.fingerprint) ?? "open"
        guard let key = keys.key(id: id) else { return nil }
        var generator = SystemRandomNumberGenerator()
        let nonce = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }.lowercaseHex
        return make(expiresMs: nowMs + lifetimeMs, tokenID: id, nonce: nonce, key: key)
    }

    /// The session a cookie value proves, or `nil` when it is malformed, forged, expired or signed
    /// for a token no longer configured.
    package static func verify(_ value: String, keys: Keys, nowMs: Int64) -> WebSession? {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "v1", let expires = Int64(parts[1]), expires > nowMs,
            let key = keys.key(id: String(parts[2])), parts[3].utf8.count == 32
        else { return nil }
        let session = make(expiresMs: expires, tokenID: String(parts[2]), nonce: String(parts[3]), key: key)
        return HMAC.equal(Array(session.value.utf8), Array(value.utf8)) ? session : nil
    }

    private static func make(expiresMs: Int64, tokenID: String, nonce: String, key: [UInt8]) -> WebSession {
        let body = "v1.\(expiresMs).\(tokenID).\(nonce)"
        let mac = HMAC.sha256(key: key, message: Array(body.utf8)).lowercaseHex
        let csrf = String(HMAC.sha256(key: key, message: Array("csrf.\(nonce)".utf8)).lowercaseHex.prefix(32))
        return WebSession(expiresMs: expiresMs, tokenID: tokenID, nonce: nonce, value: "\(body).\(mac)", csrf: csrf)
    }

    /// Whether a form's `csrf` field belongs to this session.
    package func accepts(csrf presented: String?) -> Bool {
        guard let presented else { return false }
        return HMAC.equal(Array(presented.utf8), Array(csrf.utf8))
    }
}
