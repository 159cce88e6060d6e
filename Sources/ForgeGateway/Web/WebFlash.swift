import ForgeCore

/// A message for the next page after an action (`forge_flash`, a cookie that lives 60 s): a POST
/// answers with a redirect, and the page it leads to says what happened.
///
/// A cookie, not a query parameter, so nobody can send a link that makes the page say something
/// Forge did not say.
struct WebFlash: Sendable, Hashable {
    enum Kind: String, Sendable { case ok, error }
    static let cookieName = "forge_flash"
    static let clearing = "\(cookieName)=; Path=/ui; Max-Age=0; HttpOnly; SameSite=Strict"

    var kind: Kind
    var message: String

    static func ok(_ message: String) -> WebFlash { WebFlash(kind: .ok, message: message) }
    static func error(_ message: String) -> WebFlash { WebFlash(kind: .error, message: message) }

    var cookie: String {
        "\(Self.cookieName)=\(kind.rawValue).\(URLEncoding.component(String(message.prefix(500)))); Path=/ui; Max-Age=60; HttpOnly; SameSite=Strict"
    }

    init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    init?(cookie value: String) {
        guard let dot = value.firstIndex(of: "."), let kind = Kind(rawValue: String(value[..<dot])),
            let message = value[value.index(after: dot)...].percentDecoded
        else { return nil }
        self.init(kind: kind, message: message)
    }

    var html: HTML {
        "<div class=\"flash \(kind.rawValue)\" role=\"\(kind == .error ? "alert" : "status")\">\(message)</div>"
    }
}
