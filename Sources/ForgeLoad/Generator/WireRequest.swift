import CLinuxIO
import FoundationEssentials
import Glibc

/// The enqueue requests a run sends, as the bytes that go on the wire, and the address they go
/// to (resolved once, before the run). Every request to one queue is the same (the job ids are
/// the gateway's to make), so a run holds one byte string per queue and sends them in turn.
package struct WireRequest: Sendable {
    /// The request line, headers and body, one per queue of ``LoadSettings/queueNames``.
    let variants: [[UInt8]]
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
        let path = (url.path == "/" ? "" : url.path) + (single ? "/v1/jobs" : "/v1/jobs/batch")
        variants = settings.queueNames.map { queue in
            var job = settings.job
            job.queue = queue
            let body = single ? job.jobJSON() : job.batchJSON(count: settings.batch)
            var head = "POST \(path) HTTP/1.1\r\nHost: \(host.contains(":") ? "[\(host)]" : host):\(port)\r\n"
            head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n"
            if let token = settings.token { head += "Authorization: Bearer \(token)\r\n" }
            head += "\r\n"
            return Array(head.utf8) + body
        }
        jobs = settings.batch
        (address, family) = try Self.resolve(host: host, port: port, url: settings.url)
    }

    /// The bytes of the `sequence`-th request sent (counting from 0): the queues take turns.
    package func bytes(forRequest sequence: Int) -> [UInt8] {
        variants[sequence % variants.count]
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
