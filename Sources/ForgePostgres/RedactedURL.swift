import ForgeCore

/// A libpq connection URI with every secret in it replaced by `***`, for logs and error
/// messages: the password in the user info and any query parameter whose name holds `password`
/// (`password`, `sslpassword`, in any case or percent-encoding).
///
/// Done by hand rather than with `URLComponents`, which cannot parse what libpq accepts
/// (several hosts, `postgres://u:p@h1,h2/db`) and used to send such a URL back unredacted. What
/// cannot be read as scheme, authority, path and query is not shown at all.
enum RedactedURL {
    static let mask = "***"

    static func redact(_ url: String) -> String {
        guard let schemeEnd = url.firstRange(of: "://") else { return "<unreadable URL>" }
        let scheme = url[..<schemeEnd.lowerBound]
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        var authority = String(rest[..<authorityEnd])
        if let at = authority.lastIndex(of: "@") {
            let user = authority[..<at]
            if let colon = user.firstIndex(of: ":") {
                authority = String(user[..<colon]) + ":" + mask + String(authority[at...])
            }
        }
        var tail = rest[authorityEnd...]
        if let hash = tail.firstIndex(of: "#") { tail = tail[..<hash] }
        guard let question = tail.firstIndex(of: "?") else { return scheme + "://" + authority + tail }
        let query = tail[tail.index(after: question)...].split(separator: "&", omittingEmptySubsequences: false).map { item in
            let name = item.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
            let decoded = (name.percentDecoded ?? name).lowercased()
            return decoded.contains("password") ? name + "=" + mask : String(item)
        }
        return scheme + "://" + authority + tail[..<question] + "?" + query.joined(separator: "&")
    }
}
