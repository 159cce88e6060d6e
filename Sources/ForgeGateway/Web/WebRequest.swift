import ForgeCore
import ForgeRedis
import HTTPTypes
import Hummingbird

/// One request to Forge Web from a signed-in browser: its session, the page's flash message, and
/// what its forms need.
struct WebRequest: Sendable {
    let session: WebSession
    let mode: WebMode
    let flash: WebFlash?
    /// When the request arrived: pages report their server time from it.
    let started: ContinuousClock.Instant

    var canAct: Bool { mode == .on }

    /// The hidden field every form of the page carries.
    var csrfField: HTML { "<input type=\"hidden\" name=\"csrf\" value=\"\(session.csrf)\">" }

    var flashHTML: HTML { flash?.html ?? .empty }

    /// A POST form with one button: an action on the page (hidden when the UI is read-only).
    func button(_ id: String, action: String, label: String, style: String = "", confirm: String? = nil, fields: HTML = .empty) -> HTML {
        guard canAct else { return .empty }
        let confirmation: HTML = confirm.map { HTML(" data-confirm=\"\($0)\"") } ?? .empty
        return """
            <form id="\(id)" class="inline" method="post" action="\(action)"\(confirmation)>\(csrfField)\(fields)\
            <button type="submit" class="\(style)">\(label)</button></form>
            """
    }
}

/// Who may use Forge Web, checked at the top of every handler.
struct WebGate: Sendable {
    let keys: WebSession.Keys
    let mode: WebMode
    let signOuts: WebSignOuts
    /// `FORGE_RATE_LIMIT_RPS` per signed-in token, as on `/v1` (a bucket of its own there), so a
    /// token cannot spend past its limit through pages (a dead-letter count walks 100 000 entries).
    let limiter: RateLimiter?

    enum Refusal: Error {
        case signIn(next: String)
        case forbidden(String)
        case rateLimited(retryAfterSeconds: Int, perSecond: Double)
        /// The session could not be checked (Redis unreachable): a 503, not a sign-in page.
        case unavailable(String)
    }

    /// The signed-in request, or a refusal: a page without a valid session (or with one signed out)
    /// sends the browser to the sign-in page. The token's rate limit is taken before Redis is asked
    /// about sign-outs, so a session over its limit costs Redis nothing.
    func page(_ request: Request) async throws(Refusal) -> WebRequest {
        let started = ContinuousClock.now
        let cookies = request.cookies
        guard let value = cookies[WebSession.cookieName]?.value,
            let session = WebSession.verify(value, keys: keys, nowMs: WallClock.nowMilliseconds())
        else {
            throw .signIn(next: Self.returnPath(request))
        }
        if let limiter, let wait = limiter.take("web:" + session.tokenID) {
            throw .rateLimited(retryAfterSeconds: wait, perSecond: limiter.perSecond)
        }
        let signedOut: Bool
        do {
            signedOut = try await signOuts.contains(session)
        } catch {
            throw .unavailable("the session could not be checked: \(error.message)")
        }
        if signedOut { throw .signIn(next: Self.returnPath(request)) }
        let flash = cookies[WebFlash.cookieName].flatMap { WebFlash(cookie: $0.value) }
        return WebRequest(session: session, mode: mode, flash: flash, started: started)
    }

    /// A state-changing request: a valid session, the UI not read-only, a same-origin `Origin`
    /// (or, from a browser that sends none, a same-origin `Sec-Fetch-Site`), and the session's
    /// CSRF token in the form.
    func action(_ request: Request, form: WebForm, changesState: Bool = true) async throws(Refusal) -> WebRequest {
        try sameOrigin(request)
        let web = try await page(request)
        guard web.session.accepts(csrf: form.value("csrf")) else {
            throw .forbidden("the form is stale or was not sent by Forge Web (CSRF token missing or wrong); reload the page and try again")
        }
        guard mode == .on || !changesState else { throw .forbidden("Forge Web is read-only here (FORGE_UI=readonly)") }
        return web
    }

    /// Cross-site requests are refused before anything else is read.
    func sameOrigin(_ request: Request) throws(Refusal) {
        if let origin = request.headers[.origin] {
            // Behind a proxy that rewrites Host, the browser's host arrives as X-Forwarded-Host: a
            // form on another site can set neither header, so either may vouch for the origin.
            let hosts = [request.head.authority, request.headers[Self.forwardedHost]].compactMap { $0 }
            guard hosts.contains(where: { origin == "http://\($0)" || origin == "https://\($0)" }) else {
                throw .forbidden("cross-origin request refused (Origin \(origin))")
            }
        } else if let site = request.headers[Self.secFetchSite], site != "same-origin", site != "none" {
            throw .forbidden("cross-site request refused (Sec-Fetch-Site \(site))")
        }
    }

    static let forwardedHost = HTTPField.Name("X-Forwarded-Host")!
    static let secFetchSite = HTTPField.Name("Sec-Fetch-Site")!

    /// Where to come back to after signing in: the page itself, or for an action (a POST, which a
    /// GET cannot repeat) the page it was sent from.
    static func returnPath(_ request: Request) -> String {
        guard request.method == .post else { return request.uri.path + (request.uri.query.map { "?" + $0 } ?? "") }
        guard let referer = request.headers[.referer], let path = referer.firstRange(of: "/ui/").map({ String(referer[$0.lowerBound...]) })
        else { return "/ui/" }
        return path
    }
}
