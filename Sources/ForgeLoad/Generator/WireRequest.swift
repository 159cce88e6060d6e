import CLinuxIO
import Foundation
import Glibc

/// The one enqueue request a run sends, as the bytes that go on the wire, and the address they
/// go to (resolved once, before the run). Every request of a run is the same: the job ids are
/// the gateway's to make.
package struct WireRequest: Sendable {
    /// The request line, headers and body.
    let bytes: [UInt8]
    /// A `sockaddr_in` or `sockaddr_in6`, as bytes.
    let address: [UInt8]
    let family: Int32
    /// Jobs the request carries: 1, or the batch size.
    let jobs: Int

    package init(settings: LoadSettings) throws(LoadError) {
        guard let url = URL(string: settings.baseURL), url.scheme == "http", let host = url.host, !host.isEmpty else {
            throw .invalid("--url", "'\(settings.url)' is not an http:// URL (forge-load speaks plain HTTP/1.1)")
        }
        let port = url.port ?? 80
        let single = settings.batch == 1
        let body = single ? settings.job.jobJSON() : settings.job.batchJSON(count: settings.batch)
        let path = (url.path == "/" ? "" : url.path) + (single ? "/v1/jobs" : "/v1/jobs/batch")
        var head = "POST \(path) HTTP/1.1\r\nHost: \(host.contains(":") ? "[\(host)]" : host):\(port)\r\n"
        head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n"
        if let token = settings.token { head += "Authorization: Bearer \(token)\r\n" }
        head += "\r\n"
        bytes = Array(head.utf8) + body
        jobs = settings.batch
        (address, family) = try Self.resolve(host: host, port: port, url: settings.url)
    }

    private static func resolve(host: String, port: Int, url: String) throws(LoadError) -> ([UInt8], Int32) {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw LoadError(.unreachable, "--url: cannot resolve '\(host)' of \(url): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        let raw = UnsafeRawBufferPointer(start: first.pointee.ai_addr, count: Int(first.pointee.ai_addrlen))
        return (Array(raw), first.pointee.ai_family)
    }
}
