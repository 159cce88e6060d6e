import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A browser stand-in for Forge Web's tests: keeps its own session cookie (never the shared cookie
/// store, which every test's gateway on 127.0.0.1 would see), does not follow redirects (tests read
/// them), and sends `Origin` like a browser posting a form of the page.
final class WebClient: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    let base: String
    private let lock = NSLock()
    private var cookies: [String: String] = [:]
    private lazy var session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        return URLSession(configuration: configuration, delegate: self, delegateQueue: nil)
    }()

    struct Reply {
        var status: Int
        var headers: [String: String]
        var text: String
        var location: String? { header("Location") }
        func header(_ name: String) -> String? { headers.first { $0.key.lowercased() == name.lowercased() }?.value }
    }

    init(port: Int) { base = "http://127.0.0.1:\(port)" }

    func urlSession(
        _ session: URLSession,
        task: URLSessionTask,
        willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest,
        completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }

    var cookieHeader: String {
        lock.withLock { cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
    }

    func cookie(_ name: String) -> String? {
        lock.withLock { cookies[name] }
    }

    func setCookie(_ name: String, _ value: String?) {
        lock.withLock { cookies[name] = value }
    }

    /// - Parameter origin: the `Origin` a form POST carries (`nil`: none, as some browsers send).
    func request(
        _ method: String,
        _ path: String,
        form: [(String, String)]? = nil,
        headers: [String: String] = [:],
        origin: String?? = .none
    ) async throws -> Reply {
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = method
        request.timeoutInterval = 30
        if let form {
            let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
            request.httpBody = Data(
                form.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&").utf8
            )
            request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
            if let origin = origin ?? base { request.setValue(origin, forHTTPHeaderField: "Origin") }
        }
        let cookie = cookieHeader
        if !cookie.isEmpty { request.setValue(cookie, forHTTPHeaderField: "Cookie") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await session.data(for: request)
        let http = response as! HTTPURLResponse
        var fields: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            if let key = key as? String, let value = value as? String { fields[key] = value }
        }
        let reply = Reply(status: http.statusCode, headers: fields, text: String(decoding: data, as: UTF8.self))
        if let set = reply.header("Set-Cookie") {
            // One cookie per response here; `name=value; attributes`.
            let pair = set.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
            let value = pair.count == 2 ? String(pair[1]) : ""
            setCookie(String(pair[0]), value.isEmpty ? nil : value)
        }
        return reply
    }

    func get(_ path: String) async throws -> Reply { try await request("GET", path) }

    /// A form POST carrying the session's CSRF token, read from `page`'s forms.
    func post(_ path: String, _ form: [(String, String)] = [], csrfFrom page: String, headers: [String: String] = [:]) async throws -> Reply {
        try await request("POST", path, form: [("csrf", Self.csrf(in: page) ?? "")] + form, headers: headers)
    }

    func signIn(_ token: String) async throws -> Reply {
        try await request("POST", "/ui/login", form: [("token", token), ("next", "/ui/")])
    }

    static func csrf(in page: String) -> String? {
        guard let range = page.range(of: "name=\"csrf\" value=\"") else { return nil }
        return String(page[range.upperBound...].prefix { $0 != "\"" })
    }
}
