import ForgeCore
import FoundationEssentials

/// The request an `http` job's payload describes; a payload that cannot describe one is a
/// non-retryable failure, since a retry would read the same payload.
package struct HTTPJobRequest: Sendable {
    /// Without user and password (those become an `Authorization` header).
    package var url: URL
    package var method: String
    package var headers: [(name: String, value: String)]
    package var body: [UInt8]?
    /// `timeout_ms`: how long the whole exchange (redirects included) may take, if set.
    package var timeout: Duration?

    package init(payload: String) throws(JobFailure) {
        func bad(_ why: String) -> JobFailure { JobFailure(message: "http payload: \(why)", retryable: false) }
        guard let json = try? JSONTape(Array(payload.utf8)), json.nodes.first?.kind == .object else {
            throw bad("must be a JSON object")
        }
        // Later members win over earlier ones with the same name, as in a dictionary.
        var fields: [String: Int] = [:]
        for (key, value) in json.members(0) { fields[json.string(key)] = value }
        func string(_ node: Int) -> String? { json.nodes[node].kind == .string ? json.string(node) : nil }
        guard let node = fields["url"], let text = string(node), let url = URL(string: text), Self.isHTTP(url) else {
            throw bad("url must be an http(s) URL")
        }
        self.url = url
        method = "POST"
        if let node = fields["method"] {
            guard let value = string(node), !value.isEmpty, value.allSatisfy({ $0.isASCII && $0.isLetter }) else {
                throw bad("method must be an HTTP method such as POST")
            }
            method = value.uppercased()
        }
        headers = []
        if let node = fields["headers"] {
            guard json.nodes[node].kind == .object else { throw bad("headers must be an object of strings") }
            // A name given twice keeps its last value, as for the payload's own fields.
            var named: [String: Int] = [:]
            for (nameNode, valueNode) in json.members(node) { named[json.string(nameNode)] = valueNode }
            for (name, valueNode) in named.sorted(by: { $0.key < $1.key }) {
                guard let value = string(valueNode) else { throw bad("header \(name) must be a string") }
                guard Self.isToken(name), !value.contains(where: { "\r\n\0".contains($0) }) else {
                    throw bad("header \(name) is not a valid HTTP header")
                }
                headers.append((name, value))
            }
        }
        if let node = fields["body"], json.nodes[node].kind != .null {
            if let string = string(node) {
                body = Array(string.utf8)
            } else {
                // Sent as the caller wrote it: the payload was valid JSON, so is this part of it.
                body = Array(json.raw(node).utf8)
                if self["Content-Type"] == nil { headers.append(("Content-Type", "application/json")) }
            }
        }
        if let node = fields["timeout_ms"] {
            guard json.nodes[node].kind == .number, let ms = Double(json.raw(node)), ms > 0, ms.isFinite else {
                throw bad("timeout_ms must be a positive number")
            }
            timeout = .milliseconds(min(ms, 86_400_000))
        }
        moveCredentialsToHeader()
    }

    /// The first value of a header, by case-insensitive name.
    package subscript(name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    package mutating func removeHeaders(_ names: Set<String>) {
        headers.removeAll { names.contains($0.name.lowercased()) }
    }

    /// The URL without credentials, query or fragment, for messages that end up in job history.
    package var described: String { Self.describe(url) }

    package static func describe(_ url: URL) -> String {
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: true) else { return "request" }
        components.query = nil
        components.fragment = nil
        components.user = nil
        components.password = nil
        return components.string ?? "request"
    }

    package static func isHTTP(_ url: URL) -> Bool {
        guard let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else { return false }
        return scheme == "http" || scheme == "https"
    }

    /// `https://user:secret@host/` sends Basic credentials, as curl and URLSession did; the URL
    /// itself goes out (and into messages) without them.
    private mutating func moveCredentialsToHeader() {
        guard let user = url.user else { return }
        if self["Authorization"] == nil {
            let secret = "\(user):\(url.password ?? "")"
            headers.append(("Authorization", "Basic \(Data(secret.utf8).base64EncodedString())"))
        }
        url = Self.withoutCredentials(url)
    }

    package static func withoutCredentials(_ url: URL) -> URL {
        guard url.user != nil || url.password != nil,
            var components = URLComponents(url: url, resolvingAgainstBaseURL: true)
        else { return url }
        components.user = nil
        components.password = nil
        return components.url ?? url
    }

    /// An RFC 9110 token, the only thing a header name may be.
    private static func isToken(_ name: String) -> Bool {
        let symbols = "!#$%&'*+-.^_`|~".unicodeScalars
        return !name.isEmpty
            && name.unicodeScalars.allSatisfy {
                $0.isASCII && ($0.properties.isAlphabetic || $0.properties.numericType != nil || symbols.contains($0))
            }
    }
}
