import ArgumentParser
import ForgeCore
import ForgeLoad
import FoundationEssentials

/// The flags that describe the load; `run` and `scale` share them.
struct LoadOptions: ParsableArguments {
    @Option(help: "Gateway base URL, http:// (env FORGE_GATEWAY_URL).")
    var url = ProcessInfo.processInfo.environment["FORGE_GATEWAY_URL"] ?? "http://127.0.0.1:8080"

    @Option(help: "Bearer token (else --token-file, FORGE_API_TOKEN, the first of FORGE_API_TOKENS, FORGE_API_TOKENS_FILE).")
    var token: String?

    @Option(help: "File whose first line is the bearer token.")
    var tokenFile: String?

    @Option(help: "Offered load in jobs per second (open loop). With --batch N, N jobs per request.")
    var rps = 1000.0

    @Flag(help: "Closed loop: keep --connections requests in flight, each followed by the next as soon as it is answered.")
    var max = false

    @Option(help: "How long to measure, e.g. 60s, 2m, 500ms.")
    var duration = "10s"

    @Option(help: "Load before measuring, not counted.")
    var warmup = "2s"

    @Option(help: "HTTP/1.1 connections to the gateway at most.")
    var connections = 32

    @Option(help: "Jobs per request: more than 1 posts to /v1/jobs/batch.")
    var batch = 1

    @Option(help: "Queue to enqueue into.")
    var queue = "default"

    @Option(
        help:
            "Spread the requests over N queues, <queue>-0 … <queue>-(N-1), in turn (a batch stays in one queue); 1 = --queue alone. Several queues are what spreads load over a Redis Cluster's masters."
    )
    var queues = 1

    @Option(help: "Job type (default noop; sleep with --sleep-ms; fail for the failing-job storm).")
    var type: String?

    @Option(help: "Pad each payload to at least this many bytes of JSON.")
    var payloadBytes = 0

    @Option(help: "Jobs sleep this many ms in the worker (the built-in sleep handler).")
    var sleepMs: Int?

    @Option(help: "Enqueue jobs delayed by this many ms (delay_ms).")
    var delayMs: Int?

    @Option(help: "max_attempts of each job.")
    var maxAttempts: Int?

    @Option(help: "Backoff base in ms between attempts (cap: 4 × base).")
    var backoffMs: Int?

    @Option(help: "A request not answered within this is a timeout error.")
    var timeout = "10s"

    @Option(help: "A request starting more than this many ms after its due time counts as late.")
    var lateMs = 1.0

    @Option(help: "Requests in flight at most; past it the schedule slips and requests count as late.")
    var maxInFlight = 10_000

    @Option(help: "After sending, wait at most this long for the queue to drain (0 = don't wait).")
    var drainTimeout = "30s"

    @Option(
        name: .customLong("metrics-url"),
        parsing: .singleValue,
        help: "A worker or scheduler /metrics URL to scrape (repeat, or comma-separate). Default: the scripts/forge-up layout around --url."
    )
    var metricsURLs: [String] = []

    func settings() throws -> LoadSettings {
        let type = type ?? (sleepMs != nil ? "sleep" : "noop")
        var settings = LoadSettings(
            url: url,
            token: try APIToken.resolve(flag: token, file: tokenFile),
            pacing: max ? .max : .rate(jobsPerSecond: rps),
            duration: try DurationText.parse(duration, flag: "--duration"),
            warmup: try DurationText.parse(warmup, flag: "--warmup"),
            connections: connections,
            batch: batch,
            job: JobTemplate(
                queue: queue,
                type: type,
                sleepMs: sleepMs,
                payloadBytes: payloadBytes,
                delayMs: delayMs,
                maxAttempts: maxAttempts,
                backoffMs: backoffMs
            ),
            queueCount: queues,
            requestTimeout: try DurationText.parse(timeout, flag: "--timeout"),
            lateThreshold: try DurationText.milliseconds(lateMs, flag: "--late-ms"),
            maxInFlight: maxInFlight,
            drainTimeout: try DurationText.parse(drainTimeout, flag: "--drain-timeout")
        )
        let urls = metricsURLs.flatMap { $0.split(separator: ",").map { $0.trimmingSpaces } }
        settings.metricsURLs = urls.isEmpty ? nil : urls
        try settings.validate()
        return settings
    }
}
