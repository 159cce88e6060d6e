import FoundationEssentials

/// The job forge-load enqueues, over and over: every request carries the same bytes, rendered
/// once, so the generator spends its CPU on sending rather than encoding.
public struct JobTemplate: Sendable, Equatable {
    public var queue: String
    public var type: String
    /// `sleep` jobs: how long the handler sleeps.
    public var sleepMs: Int?
    /// Padding added to the payload so its JSON is at least this many bytes.
    public var payloadBytes: Int
    /// Enqueue as scheduled, due this long after it was accepted.
    public var delayMs: Int?
    public var maxAttempts: Int?
    /// Base and cap of the exponential backoff between attempts.
    public var backoffMs: Int?

    public init(
        queue: String = "default",
        type: String = "noop",
        sleepMs: Int? = nil,
        payloadBytes: Int = 0,
        delayMs: Int? = nil,
        maxAttempts: Int? = nil,
        backoffMs: Int? = nil
    ) {
        self.queue = queue
        self.type = type
        self.sleepMs = sleepMs
        self.payloadBytes = payloadBytes
        self.delayMs = delayMs
        self.maxAttempts = maxAttempts
        self.backoffMs = backoffMs
    }

    /// The JSON job request (`POST /v1/jobs`).
    public func jobJSON() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding a struct of strings and integers cannot fail.
        return Array(try! encoder.encode(request))
    }

    /// `{"jobs": [job, …]}` with `count` copies (`POST /v1/jobs/batch`).
    public func batchJSON(count: Int) -> [UInt8] {
        let job = jobJSON()
        var body = Array("{\"jobs\":[".utf8)
        body.reserveCapacity(body.count + count * (job.count + 1) + 2)
        for index in 0..<count {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            body.append(contentsOf: job)
        }
        body.append(contentsOf: Array("]}".utf8))
        return body
    }

    private var request: Request {
        var payload = Payload()
        if type == "sleep" { payload.ms = sleepMs ?? 0 }
        if type == "fail" {
            payload.message = "forge-load"
            payload.retryable = true
        }
        if payloadBytes > 0 {
            // `{"pad":""}` is 10 bytes; the rest is padding.
            let base = (try? JSONEncoder().encode(payload).count) ?? 2
            payload.pad = String(repeating: "x", count: max(0, payloadBytes - base - 9))
        }
        return Request(
            type: type,
            queue: queue,
            payload: payload,
            delay_ms: delayMs,
            max_attempts: maxAttempts,
            backoff: backoffMs.map { Backoff(base_ms: $0, cap_ms: max($0, $0 * 4)) }
        )
    }

    private struct Request: Encodable {
        var type: String
        var queue: String
        var payload: Payload
        var delay_ms: Int?
        var max_attempts: Int?
        var backoff: Backoff?
    }

    private struct Payload: Encodable {
        var ms: Int?
        var message: String?
        var retryable: Bool?
        var pad: String?
    }

    private struct Backoff: Encodable {
        var base_ms: Int
        var cap_ms: Int
    }
}
