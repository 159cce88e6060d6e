import ForgeCore
import FoundationEssentials

/// Everything one load run needs; the `forge-load` command fills it from flags and `FORGE_*`
/// variables and ``validate()`` refuses what cannot run, naming the flag.
public struct LoadSettings: Sendable {
    /// How requests are paced.
    public enum Pacing: Sendable, Equatable {
        /// Open loop: `jobsPerSecond` jobs on a fixed schedule, whatever the answers take.
        case rate(jobsPerSecond: Double)
        /// Closed loop: each of `--connections` requests is followed by the next as soon as it is answered.
        case max
    }

    /// Gateway base URL, e.g. `http://127.0.0.1:8080`.
    public var url: String
    public var token: String?
    public var pacing: Pacing
    /// The measured part of the run.
    public var duration: Duration
    /// Load before the measurement starts, not counted (connections, caches, JIT-free warm state).
    public var warmup: Duration
    /// HTTP/1.1 connections to the gateway at most.
    public var connections: Int
    /// Jobs per request: 1 posts to `/v1/jobs`, more posts to `/v1/jobs/batch`.
    public var batch: Int
    public var job: JobTemplate
    /// Queues the requests are spread over: 1 sends every job to `job.queue`; N sends request k
    /// (in sending order) to `<queue>-(k mod N)`, a batch whole to one queue. On a Redis Cluster a
    /// queue lives in one slot, so only several queues can spread the load over several masters.
    public var queueCount: Int
    /// A request not answered within this is a `timeout` error.
    public var requestTimeout: Duration
    /// A request that starts later than this after its due time counts as late.
    public var lateThreshold: Duration
    /// Requests in flight at most; past it the schedule slips (and the slipped requests count as late).
    public var maxInFlight: Int
    /// After sending, how long to wait at most for the queue to drain; zero skips the wait.
    public var drainTimeout: Duration
    /// `/metrics` endpoints of workers and schedulers; `nil` = guess from the gateway port the
    /// way `scripts/forge-up` lays ports out.
    public var metricsURLs: [String]?

    public init(
        url: String = "http://127.0.0.1:8080",
        token: String? = nil,
        pacing: Pacing = .rate(jobsPerSecond: 1000),
        duration: Duration = .seconds(10),
        warmup: Duration = .zero,
        connections: Int = 32,
        batch: Int = 1,
        job: JobTemplate = JobTemplate(),
        queueCount: Int = 1,
        requestTimeout: Duration = .seconds(10),
        lateThreshold: Duration = .milliseconds(1),
        maxInFlight: Int = 10_000,
        drainTimeout: Duration = .seconds(30),
        metricsURLs: [String]? = nil
    ) {
        self.url = url
        self.token = token
        self.pacing = pacing
        self.duration = duration
        self.warmup = warmup
        self.connections = connections
        self.batch = batch
        self.job = job
        self.queueCount = queueCount
        self.requestTimeout = requestTimeout
        self.lateThreshold = lateThreshold
        self.maxInFlight = maxInFlight
        self.drainTimeout = drainTimeout
        self.metricsURLs = metricsURLs
    }

    /// The gateway URL without a trailing slash.
    public var baseURL: String { url.hasSuffix("/") ? String(url.dropLast()) : url }

    /// The queues the run sends to, in round-robin order: `job.queue` alone, or `<queue>-0` …
    /// `<queue>-(N-1)` with `queueCount` N > 1.
    public var queueNames: [String] {
        queueCount <= 1 ? [job.queue] : (0..<queueCount).map { "\(job.queue)-\($0)" }
    }

    /// Requests per second the open-loop schedule sends: `--rps` counts jobs, so a batch of N
    /// jobs is one request every N/rps seconds.
    public var requestsPerSecond: Double? {
        guard case .rate(let jobs) = pacing else { return nil }
        return jobs / Double(batch)
    }

    public func validate() throws(LoadError) {
        // Plain HTTP only: the generator's own client (SocketDriver) has no TLS; measure a
        // gateway, not a TLS terminator in front of it.
        guard let parsed = URL(string: url), parsed.scheme == "http", parsed.host != nil else {
            throw .invalid("--url", "'\(url)' is not an http:// URL (forge-load speaks plain HTTP/1.1)")
        }
        if case .rate(let rps) = pacing {
            guard rps.isFinite, rps > 0, rps <= 1_000_000 else {
                throw .invalid("--rps", "must be more than 0 and at most 1000000 jobs/s, got \(rps)")
            }
            guard rps / Double(max(batch, 1)) <= 200_000 else { throw .invalid("--rps", "more than 200000 requests/s; use --batch") }
        }
        guard duration > .zero else { throw .invalid("--duration", "must be longer than zero") }
        guard (1...10_000).contains(connections) else { throw .invalid("--connections", "must be 1…10000, got \(connections)") }
        guard (1...1000).contains(batch) else { throw .invalid("--batch", "must be 1…1000 (the gateway's batch limit), got \(batch)") }
        guard (0...1 << 20).contains(job.payloadBytes) else { throw .invalid("--payload-bytes", "must be 0…1048576") }
        do throws(ValidationError) { _ = try QueueName(job.queue) } catch {
            throw .invalid("--queue", "'\(job.queue)' is not a queue name: it \(error.reason)")
        }
        guard (1...1000).contains(queueCount) else { throw .invalid("--queues", "must be 1…1000, got \(queueCount)") }
        if queueCount > 1, job.queue.count + 1 + String(queueCount - 1).count > 64 {
            throw .invalid("--queues", "'\(job.queue)-\(queueCount - 1)' is longer than a queue name may be (64); shorten --queue")
        }
        do throws(ValidationError) { _ = try JobType(job.type) } catch {
            throw .invalid("--type", "'\(job.type)' is not a job type: it \(error.reason)")
        }
        if let ms = job.sleepMs, ms < 0 { throw .invalid("--sleep-ms", "must not be negative") }
        if job.sleepMs != nil, job.type != "sleep" { throw .invalid("--sleep-ms", "runs the built-in sleep handler; drop --type \(job.type)") }
        if let ms = job.delayMs, ms < 0 { throw .invalid("--delay-ms", "must not be negative") }
        if let attempts = job.maxAttempts, !(1...1000).contains(attempts) { throw .invalid("--max-attempts", "must be 1…1000") }
        if let ms = job.backoffMs, ms < 1 { throw .invalid("--backoff-ms", "must be at least 1") }
        guard maxInFlight >= connections else { throw .invalid("--max-in-flight", "must be at least --connections") }
        guard requestTimeout > .zero else { throw .invalid("--timeout", "must be longer than zero") }
    }
}
