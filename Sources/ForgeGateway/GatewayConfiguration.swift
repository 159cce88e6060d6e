import ForgeCore
import ForgeObservability
import ForgeRedis
import FoundationEssentials

/// Settings of the HTTP API, filled by `forge-gateway` from flags and `FORGE_*` variables.
public struct GatewayConfiguration: Sendable, Hashable {
    /// Bearer tokens accepted on `/v1/*`.
    public var apiTokens: [String]
    /// `false` only when explicitly configured (`--auth off`): every `/v1` request is accepted.
    public var authEnabled: Bool
    /// Largest request body accepted; larger bodies get a 413.
    public var maxBodyBytes: Int
    public var jobLimits: JobLimits
    /// Page size of `GET /v1/jobs` and `GET /v1/dlq` when the request gives no `limit`.
    public var defaultListLimit: Int
    /// Largest `limit` a list request may ask for.
    public var maxListLimit: Int
    /// Most bytes of payloads, results and errors one page of `GET /v1/jobs` or `GET /v1/dlq`
    /// holds; a page stops there (with at least one job) and its `next_cursor` continues. Without
    /// it, a page of `maxListLimit` jobs of the largest payload was a GiB in the gateway's memory.
    public var maxPageBytes: Int
    /// Most jobs one `POST /v1/jobs/batch` may hold.
    public var maxBatchSize: Int
    /// How long an `Idempotency-Key` is remembered.
    public var idempotencyWindowMs: Int64
    /// Requests per second each bearer token may make on `/v1`, sustained; 0 turns limiting off.
    public var rateLimitPerSecond: Double
    /// Requests a token may make at once after being idle (the bucket's size).
    public var rateLimitBurst: Int
    /// A connection with no request in flight and nothing read for this long is closed.
    public var idleTimeoutSeconds: Int
    /// Most queues the registry may hold: queue names come from callers, and each queue costs
    /// keys, scheduler work and metric series. `nil`: no limit.
    public var maxQueues: Int?
    /// Most cron schedules there may be: the scheduler leader keeps an index entry for each and
    /// `GET /v1/schedules` lists them all in one answer. A PUT creating one past it is a 422 naming
    /// `name`; replacing an existing schedule is always allowed. `nil`: no limit.
    public var maxSchedules: Int?
    /// Largest payload of a schedule's job, as sent (the job limit applies too, if smaller).
    public var maxSchedulePayloadBytes: Int
    /// Most lease requests that may wait for work (long-poll) at once; past it a waiting lease
    /// is a 503. Each costs a task and a small record, not a connection to Redis.
    public var maxLeaseWaiters: Int
    /// Longest a lease request waits for work; a longer `wait_ms` is cut to it (a proxy with a
    /// shorter timeout in front of the gateway; at most ``leaseWaitMsRange``'s upper bound).
    public var maxLeaseWaitMs: Int64
    /// `FORGE_UI`: Forge Web under `/ui/` (on), its pages without actions (readonly), or none (off).
    public var webMode: WebMode

    public static let defaultMaxBodyBytes = 2 << 20
    public static let defaultIdempotencyWindowSeconds = 86_400
    /// Generous: far above one client's normal use, and above `forge-load`'s 2000 requests/s, so
    /// only a runaway client meets it.
    public static let defaultRateLimitPerSecond = 5_000
    public static let defaultRateLimitBurst = 10_000
    public static let defaultIdleTimeoutSeconds = 75
    public static let defaultMaxQueues = QueueStore.defaultMaxQueues
    public static let defaultMaxSchedules = 1_000
    /// 16 KiB: a schedule's job carries parameters, not data, and every schedule is stored whole in
    /// one Redis hash and listed whole by `GET /v1/schedules`, so the worst case (the schedule
    /// limit times this) stays 16 MiB, well inside the 256 MiB a gateway pod may use.
    public static let defaultMaxSchedulePayloadBytes = 16 << 10
    /// Four of the largest default payloads: pages stay a few MiB, far inside the gateway's
    /// memory limit even with several lists at once.
    public static let defaultMaxPageBytes = 4 << 20
    public static let defaultMaxLeaseWaiters = 10_000
    /// The `wait_ms` a lease request may ask for: at most 30 s, below the usual 60 s of proxies
    /// and load balancers, so a long-poll never looks like a dead connection to them.
    public static let leaseWaitMsRange: ClosedRange<Int64> = 0...30_000
    /// 64 KiB to 32 MiB: a page is in memory two or three times over while it is read and
    /// written, and a gateway's Kubernetes limit is 256 MiB.
    public static let maxPageBytesRange = (64 << 10)...(32 << 20)
    /// Largest request head (request line and headers) accepted: bearer tokens and keys are small.
    public static let maxHeaderBytes = 32 << 10

    public init(
        apiTokens: [String] = [],
        authEnabled: Bool = true,
        maxBodyBytes: Int = GatewayConfiguration.defaultMaxBodyBytes,
        jobLimits: JobLimits = .standard,
        defaultListLimit: Int = 50,
        maxListLimit: Int = 1000,
        maxBatchSize: Int = 1000,
        idempotencyWindowMs: Int64 = Int64(GatewayConfiguration.defaultIdempotencyWindowSeconds) * 1000,
        rateLimitPerSecond: Double = Double(GatewayConfiguration.defaultRateLimitPerSecond),
        rateLimitBurst: Int = GatewayConfiguration.defaultRateLimitBurst,
        idleTimeoutSeconds: Int = GatewayConfiguration.defaultIdleTimeoutSeconds,
        maxQueues: Int? = GatewayConfiguration.defaultMaxQueues,
        maxSchedules: Int? = GatewayConfiguration.defaultMaxSchedules,
        maxSchedulePayloadBytes: Int = GatewayConfiguration.defaultMaxSchedulePayloadBytes,
        maxPageBytes: Int = GatewayConfiguration.defaultMaxPageBytes,
        maxLeaseWaiters: Int = GatewayConfiguration.defaultMaxLeaseWaiters,
        maxLeaseWaitMs: Int64 = GatewayConfiguration.leaseWaitMsRange.upperBound,
        webMode: WebMode = .on
    ) {
        self.webMode = webMode
        self.apiTokens = apiTokens
        self.authEnabled = authEnabled
        self.maxBodyBytes = maxBodyBytes
        self.jobLimits = jobLimits
        self.defaultListLimit = defaultListLimit
        self.maxListLimit = maxListLimit
        self.maxBatchSize = maxBatchSize
        self.idempotencyWindowMs = idempotencyWindowMs
        self.rateLimitPerSecond = rateLimitPerSecond
        self.rateLimitBurst = rateLimitBurst
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.maxQueues = maxQueues
        self.maxSchedules = maxSchedules
        self.maxSchedulePayloadBytes = maxSchedulePayloadBytes
        self.maxPageBytes = maxPageBytes
        self.maxLeaseWaiters = maxLeaseWaiters
        self.maxLeaseWaitMs = maxLeaseWaitMs
    }

    /// The job limits a schedule's job is checked with: a job's, with the smaller payload limit.
    public var scheduleJobLimits: JobLimits {
        var limits = jobLimits
        limits.maxPayloadBytes = min(limits.maxPayloadBytes, maxSchedulePayloadBytes)
        return limits
    }

    /// Shortest bearer token accepted: 16 bytes, 128 bits when random, so a token cannot be
    /// guessed online (`openssl rand -hex 24` makes a good one).
    public static let minimumTokenBytes = 16

    /// Why `tokens` cannot protect the API, or `nil`. Names a short token by its position and
    /// length, never by its value: the message goes to a terminal or a log.
    public static func tokenProblem(_ tokens: [String]) -> String? {
        for (index, token) in tokens.enumerated() where token.utf8.count < minimumTokenBytes {
            return "token \(index + 1) of \(tokens.count) is \(token.utf8.count) bytes long; every token must be at least "
                + "\(minimumTokenBytes) bytes (e.g. openssl rand -hex 24)"
        }
        return nil
    }

    /// Parses `FORGE_API_TOKENS`: comma-separated, blanks ignored.
    public static func parseTokens(_ text: String?) -> [String] {
        (text ?? "").split(separator: ",").map { $0.trimmingSpaces }.filter { !$0.isEmpty }
    }
}
