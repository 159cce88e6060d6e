import AsyncHTTPClient
import FoundationEssentials
import NIOCore
import NIOHTTP1

/// What the system itself said at one moment: the services' metrics and the queue's depth.
public struct SystemSample: Sendable {
    public var at: ContinuousClock.Instant
    public var metrics: MetricsSnapshot
    /// From the gateway; nil when it did not answer.
    public var queue: QueueCounts?

    package init(at: ContinuousClock.Instant, metrics: MetricsSnapshot, queue: QueueCounts?) {
        self.at = at
        self.metrics = metrics
        self.queue = queue
    }
}

/// Reads `/metrics` of the workers and schedulers and the queues' counts from the gateway, all
/// at once, on its own HTTP client so it never waits behind the load's requests.
public struct SystemProbe: Sendable {
    let http: HTTPClient
    let gateway: String
    let token: String?
    /// The run's queues: their counts are summed, and metrics kept to them.
    let queues: [String]
    /// Full `/metrics` URLs.
    public let metricsURLs: [String]

    public init(http: HTTPClient, gateway: String, token: String?, queues: [String], metricsURLs: [String]) {
        self.http = http
        self.gateway = gateway
        self.token = token
        self.queues = queues
        self.metricsURLs = metricsURLs.map(Self.metricsURL)
    }

    /// `http://host:port` or `…/metrics`: always the latter.
    static func metricsURL(_ text: String) -> String {
        let trimmed = text.hasSuffix("/") ? String(text.dropLast()) : text
        return trimmed.hasSuffix("/metrics") ? trimmed : trimmed + "/metrics"
    }

    /// `/metrics` URLs of a stack laid out like `scripts/forge-up`: the gateway itself (for its
    /// CPU and memory), schedulers at gateway port +1 and +11, workers at +2, +12, … (`workers`
    /// of them).
    public static func forgeUpLayout(gateway: String, workers: Int = 8) -> [String] {
        guard let url = URL(string: gateway), let host = url.host, let port = url.port ?? (url.scheme == "https" ? 443 : 80) as Int?
        else { return [] }
        let scheme = url.scheme ?? "http"
        var ports = [port, port + 1, port + 11]
        ports += (0..<workers).map { port + 2 + 10 * $0 }
        return ports.map { "\(scheme)://\(host):\($0)/metrics" }
    }

    /// The endpoints among `candidates` that answer now.
    public func reachable(_ candidates: [String]) async -> [String] {
        await withTaskGroup(of: String?.self) { group in
            for url in candidates.map(Self.metricsURL) { group.addTask { await fetch(url) != nil ? url : nil } }
            var found: [String] = []
            for await url in group { if let url { found.append(url) } }
            return candidates.map(Self.metricsURL).filter(found.contains)
        }
    }

    public func sample() async -> SystemSample {
        async let queueCounts = queueCounts()
        let texts = await withTaskGroup(of: (String, String?).self) { group in
            for url in metricsURLs { group.addTask { (url, await fetch(url)) } }
            return await group.reduce(into: [(String, String?)]()) { $0.append($1) }
        }
        var metrics = MetricsSnapshot()
        let ours = Set(queues)
        for (url, text) in texts.sorted(by: { $0.0 < $1.0 }) {
            guard let text else { continue }
            metrics.add(PrometheusText.parse(text), from: url, queues: ours)
        }
        return SystemSample(at: .now, metrics: metrics, queue: await queueCounts)
    }

    /// The run's queues' counts summed, each read at once; `nil` if any did not answer.
    public func queueCounts() async -> QueueCounts? {
        await withTaskGroup(of: QueueCounts?.self) { group in
            for queue in queues { group.addTask { await queueCounts(queue) } }
            var total: QueueCounts? = QueueCounts()
            for await counts in group {
                if let counts { total?.add(counts) } else { total = nil }
            }
            return total
        }
    }

    /// `GET /v1/queues/{queue}`; a queue nobody enqueued into yet is empty, not an error.
    func queueCounts(_ queue: String) async -> QueueCounts? {
        var request = HTTPClientRequest(url: "\(gateway)/v1/queues/\(queue)")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        guard let response = try? await http.execute(request, timeout: .seconds(2)),
            let body = try? await response.body.collect(upTo: 1 << 20)
        else { return nil }
        if response.status.code == 404 { return QueueCounts() }
        guard response.status.code == 200 else { return nil }
        return (try? JSONDecoder().decode(QueueCounts.QueueView.self, from: Data(body.readableBytesView)))?.counts
    }

    private func fetch(_ url: String) async -> String? {
        guard let response = try? await http.execute(HTTPClientRequest(url: url), timeout: .seconds(2)),
            response.status.code == 200,
            let body = try? await response.body.collect(upTo: 16 << 20)
        else { return nil }
        return String(buffer: body)
    }
}
