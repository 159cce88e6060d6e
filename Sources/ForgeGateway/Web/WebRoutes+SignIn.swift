import ForgeCore
import HTTPTypes
import Hummingbird

/// Signing in with an API token, and out.
extension WebRoutes {
    func loginPage(_ request: Request, error: String? = nil, status: HTTPResponse.Status = .ok) -> Response {
        let next = Self.safeNext(request.uri.queryParameters["next"].map(String.init))
        if !configuration.authEnabled, let session = WebSession.start(token: nil, keys: gate.keys, nowMs: WallClock.nowMilliseconds()) {
            return signedIn(session, request: request, next: next)
        }
        let message: HTML = error.map { "<div class=\"flash error\" role=\"alert\">\($0)</div>" } ?? .empty
        return WebPage.html(
            HTML(
                """
                <!doctype html>
                <html lang="en">
                <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
                <title>Sign in · Forge</title><link rel="stylesheet" href="/ui/assets/forge.css"><link rel="icon" href="/ui/assets/favicon.svg"></head>
                <body class="login">
                <main>
                <form id="login" method="post" action="/ui/login">
                <h1>Forge</h1>
                \(message)
                <label for="token">API token</label>
                <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
                <input type="hidden" name="next" value="\(next)">
                <button type="submit" class="primary">Sign in</button>
                <p class="hint">Any token of the gateway's <code>FORGE_API_TOKENS</code>. The browser keeps a signed session \
                for 12 hours, never the token.</p>
                </form>
                </main>
                </body>
                </html>
                """
            ).text,
            status: status
        )
    }

    /// A token that matches gets a session cookie; anything else the form again, with a 401.
    func signIn(_ request: Request) async -> Response {
        do {
            try gate.sameOrigin(request)
        } catch {
            return refusal(error)
        }
        guard let form = try? await WebForm.read(request, limit: 16 << 10) else {
            return loginPage(request, error: "the sign-in form could not be read", status: .badRequest)
        }
        let next = Self.safeNext(form.value("next"))
        let token = form.value("token")?.trimmingSpaces ?? ""
        let tokens = configuration.apiTokens.map { Array($0.utf8) }
        guard configuration.authEnabled == false || AuthMiddleware<BasicRequestContext>.matchesAny(Array(token.utf8), tokens),
            let session = WebSession.start(
                token: configuration.authEnabled ? token : nil,
                keys: gate.keys,
                nowMs: WallClock.nowMilliseconds()
            )
        else {
            return loginPage(request, error: "that token is not one of this gateway's API tokens", status: .unauthorized)
        }
        return signedIn(session, request: request, next: next)
    }

    private func signedIn(_ session: WebSession, request: Request, next: String) -> Response {
        var response = WebPage.redirect(next)
        let secure = request.headers[Self.forwardedProto] == "https" ? "; Secure" : ""
        response.headers.append(
            HTTPField(
                name: .setCookie,
                value:
                    "\(WebSession.cookieName)=\(session.value); Path=/ui; Max-Age=\(WebSession.lifetimeMs / 1000); HttpOnly; SameSite=Strict\(secure)"
            )
        )
        return response
    }

    /// Signs out: the cookie is cleared, and the session recorded as signed out (``WebSignOuts``)
    /// so that a copy of the cookie stops working too.
    func signOut(_ request: Request) async -> Response {
        let signOuts = gate.signOuts
        return await action(request, back: { _ in "/ui/" }, changesState: false) { web, _ in
            try await signOuts.record(web.session, nowMs: WallClock.nowMilliseconds())
            return .redirect("/ui/login", nil)
        }.withHeader(
            HTTPField(name: .setCookie, value: "\(WebSession.cookieName)=; Path=/ui; Max-Age=0; HttpOnly; SameSite=Strict")
        )
    }

    static let forwardedProto = HTTPField.Name("X-Forwarded-Proto")!

    /// Where to go after signing in: a path of Forge Web only, so the sign-in page cannot be made to
    /// send a person elsewhere.
    package static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/ui/"), !next.contains("//"), !next.contains("\\") else { return "/ui/" }
        return next
    }
}

extension Response {
    fileprivate func withHeader(_ field: HTTPField) -> Response {
        guard status == .seeOther else { return self }
        var copy = self
        copy.headers.append(field)
        return copy
    }
}
