import ForgeCore
import HTTPTypes
import Hummingbird
import NIOCore

/// What every page of Forge Web shares: the chrome around its content and how it is answered.
struct WebPage: Sendable {
    var title: String
    var content: HTML
    /// Which navigation entry is current.
    var section: Section
    var request: WebRequest
    var status: HTTPResponse.Status = .ok

    enum Section: String, Sendable { case overview, deadLetters, history, schedules, none }

    /// The response, with the server time it took in `Server-Timing` (`bigdata.py` reads it).
    func response() -> Response {
        let body = document().text
        var response = WebPage.html(body, status: status)
        response.headers[.serverTiming] = "app;dur=\(WebFormat.milliseconds(request.started.duration(to: .now)))"
        if request.flash != nil { response.headers.append(HTTPField(name: .setCookie, value: WebFlash.clearing)) }
        return response
    }

    private func document() -> HTML {
        let nav: [(Section, String, String)] = [
            (.overview, "/ui/", "Overview"), (.deadLetters, "/ui/dlq", "Dead letters"), (.history, "/ui/history", "History"),
            (.schedules, "/ui/schedules", "Schedules"),
        ]
        let links = nav.map { section, href, label in
            HTML("<a href=\"\(href)\"\(section == self.section ? HTML(" aria-current=\"page\"") : .empty)>\(label)</a>")
        }
        let mode: HTML = request.mode == .readonly ? "<span class=\"badge readonly\" title=\"FORGE_UI=readonly\">read-only</span>" : .empty
        let signOut: HTML =
            request.session.tokenID == "open"
            ? .empty
            : "<form id=\"logout\" method=\"post\" action=\"/ui/logout\">\(request.csrfField)<button type=\"submit\" class=\"link\">Sign out</button></form>"
        return """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title) · Forge</title>
            <link rel="stylesheet" href="/ui/assets/forge.css"><link rel="icon" href="/ui/assets/favicon.svg">
            <script src="/ui/assets/forge.js" defer></script>
            </head>
            <body>
            <header class="top">
            <a class="brand" href="/ui/">Forge</a>
            <nav>\(links)</nav>
            <div class="right">\(mode)<span id="live" class="live" hidden>live</span>\(signOut)</div>
            </header>
            <main>
            \(request.flashHTML)
            \(content)
            </main>
            </body>
            </html>
            """
    }

    static func html(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: securityHeaders(contentType: "text/html; charset=utf-8"),
            body: ResponseBody(byteBuffer: ByteBuffer(string: body))
        )
    }

    /// `303 See Other` to `location` (after a form POST: a reload does not repeat the action).
    static func redirect(_ location: String, flash: WebFlash? = nil) -> Response {
        var headers = securityHeaders(contentType: "text/plain; charset=utf-8")
        headers[.location] = location
        if let flash { headers.append(HTTPField(name: .setCookie, value: flash.cookie)) }
        return Response(status: .seeOther, headers: headers)
    }

    /// On every Forge Web response: no script, style or frame from anywhere but the gateway, and
    /// no inline script (`default-src 'self'`); pages are not framed (clickjacking) nor cached.
    static func securityHeaders(contentType: String) -> HTTPFields {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.contentSecurityPolicy] = "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
        headers[.xContentTypeOptions] = "nosniff"
        headers[.referrerPolicy] = "same-origin"
        headers[.cacheControl] = "no-store"
        headers[.xFrameOptions] = "DENY"
        return headers
    }
}

extension HTTPField.Name {
    static let serverTiming = HTTPField.Name("Server-Timing")!
    static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
    static let xContentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
}
