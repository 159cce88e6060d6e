/// What a running worker tells others about itself (``WorkerRegistry``), as of its last report.
public struct WorkerPresence: Sendable, Hashable {
    /// The worker's name (``KeySpace/worker(_:)``), unique per process.
    public var name: String
    /// The queues it serves, in its configured order; `["*"]` when it serves every queue.
    public var queues: [String]
    /// Handlers it runs at once, at most.
    public var concurrency: Int
    /// Handlers running at the last report.
    public var busy: Int
    /// Whether it has begun a graceful shutdown (leases nothing new, finishes what runs).
    public var draining: Bool
    /// When the worker started (Unix ms).
    public var startedAtMs: Int64
    public var host: String
    public var pid: Int
    /// When it last reported (Unix ms, the worker's clock).
    public var seenAtMs: Int64
    /// A worker that leases over HTTP (the lease API), reported by the gateways that serve it:
    /// `concurrency` is how many jobs it last asked for, `busy`, `host` and `pid` are unknown.
    public var remote: Bool

    public init(
        name: String,
        queues: [String],
        concurrency: Int,
        busy: Int,
        draining: Bool = false,
        startedAtMs: Int64,
        host: String,
        pid: Int,
        seenAtMs: Int64,
        remote: Bool = false
    ) {
        self.name = name
        self.queues = queues
        self.concurrency = concurrency
        self.busy = busy
        self.draining = draining
        self.startedAtMs = startedAtMs
        self.host = host
        self.pid = pid
        self.seenAtMs = seenAtMs
        self.remote = remote
    }

    /// The HASH fields, as `HSET` takes them.
    var fields: [String] {
        [
            "queues", queues.joined(separator: ","), "concurrency", String(concurrency), "busy", String(busy),
            "draining", draining ? "1" : "0", "started_at", String(startedAtMs), "host", host, "pid", String(pid),
            "seen_at", String(seenAtMs), "remote", remote ? "1" : "0",
        ]
    }

    /// Reads an `HGETALL` reply; `nil` for a hash that expired (or was never a worker's).
    init?(name: String, reply: RedisValue) {
        guard let flat = reply.array, !flat.isEmpty else { return nil }
        var fields: [String: String] = [:]
        for index in stride(from: 0, to: flat.count - 1, by: 2) {
            if let key = flat[index].string { fields[key] = flat[index + 1].string }
        }
        guard let seen = fields["seen_at"].flatMap({ Int64($0) }) else { return nil }
        func int(_ key: String) -> Int { fields[key].flatMap { Int($0) } ?? 0 }
        self.init(
            name: name,
            queues: (fields["queues"] ?? "").split(separator: ",").map(String.init),
            concurrency: int("concurrency"),
            busy: int("busy"),
            draining: fields["draining"] == "1",
            startedAtMs: fields["started_at"].flatMap { Int64($0) } ?? 0,
            host: fields["host"] ?? "",
            pid: int("pid"),
            seenAtMs: seen,
            remote: fields["remote"] == "1"
        )
    }
}
