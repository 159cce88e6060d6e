import FoundationEssentials

extension HTTPJobRequest {
    /// The request to send after an answer with `status` and `location`, or nil when the answer
    /// is not a redirect the handler follows (then its status decides the job).
    ///
    /// The rules are the ones browsers, curl and AsyncHTTPClient apply: 303 (and 301/302 after a
    /// POST) continue as a GET without a body; 307 and 308 repeat the request as it was; a hop to
    /// another origin drops the credentials meant for the first one.
    package func redirected(status: Int, location: String?) throws(JobFailure) -> HTTPJobRequest? {
        guard [301, 302, 303, 307, 308].contains(status), let location else { return nil }
        guard let target = URL(string: location, relativeTo: url)?.absoluteURL, Self.isHTTP(target) else {
            throw JobFailure(message: "http: \(described) answered \(status) with a Location that is not an http(s) URL", retryable: false)
        }
        var next = self
        next.url = Self.withoutCredentials(target)
        if status == 303 && method != "HEAD" || (status == 301 || status == 302) && method == "POST" {
            next.method = "GET"
            next.body = nil
            next.removeHeaders(["content-type", "content-length"])
        }
        if !Self.sameOrigin(url, target) {
            next.removeHeaders(["authorization", "proxy-authorization", "cookie", "origin"])
        }
        return next
    }

    private static func sameOrigin(_ a: URL, _ b: URL) -> Bool {
        a.scheme?.lowercased() == b.scheme?.lowercased() && a.host?.lowercased() == b.host?.lowercased()
            && effectivePort(a) == effectivePort(b)
    }

    private static func effectivePort(_ url: URL) -> Int {
        url.port ?? (url.scheme?.lowercased() == "https" ? 443 : 80)
    }
}
