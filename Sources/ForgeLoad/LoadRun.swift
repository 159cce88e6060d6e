import AsyncHTTPClient
import ForgeCore
import FoundationEssentials
import NIOCore
import NIOHTTP1

/// One load run: checks the gateway, finds the `/metrics` endpoints, sends on schedule (or as
/// fast as it goes), samples the system every second, waits for the queue to drain, and
/// assembles the report.
public struct LoadRun: Sendable {
    public let settings: LoadSettings
    /// Called once a second with the progress line, and with notices (which endpoints, drain).
    public let progress: @Sendable (ProgressEvent) -> Void

    public init(settings: LoadSettings, progress: @escaping @Sendable (ProgressEvent) -> Void = { _ in }) {
        self.settings = settings
        self.progress = progress
    }

    public func execute() async throws -> LoadReport {
        try settings.validate()
        let request = try WireRequest(settings: settings)
        // The enqueue requests go through ``SocketDriver``; the gateway check and the
        // once-a-second /metrics scrapes through async-http-client.
        return try await HTTPClient.withHTTPClient { probeHTTP in
            try await execute(request: request, probeHTTP: probeHTTP)
        }
    }

    private func execute(request: WireRequest, probeHTTP: HTTPClient) async throws -> LoadReport {
        try await checkGateway(probeHTTP)
        let candidates = settings.metricsURLs ?? SystemProbe.forgeUpLayout(gateway: settings.baseURL)
        let lookup = SystemProbe(http: probeHTTP, gateway: settings.baseURL, token: settings.token, queues: [], metricsURLs: [])
        let endpoints = await lookup.reachable(candidates)
        if endpoints.isEmpty {
            progress(.notice("no /metrics endpoint answered (tried \(candidates.count)); completions come from the gateway's queue counts only"))
        } else {
            progress(.notice("scraping \(endpoints.count) /metrics endpoints: \(endpoints.joined(separator: " "))"))
        }
        let probe = SystemProbe(
            http: probeHTTP,
            gateway: settings.baseURL,
            token: settings.token,
            queues: settings.queueNames,
            metricsURLs: endpoints
        )
        let startedAt = Date().formatted(.iso8601)
        let cpuBefore = ProcessCPU.seconds()
        let baseline = await probe.sample()
        // A short lead so the first requests are not late because of this setup.
        let start = ContinuousClock.now + .milliseconds(50)
        let measureStart = start + settings.warmup
        let recorder = LoadRecorder(measureStart: measureStart, lateThreshold: settings.lateThreshold)
        let inFlight = InFlightCount()
        let driver = SocketDriver(
            request: request,
            maxConnections: settings.connections,
            timeout: settings.requestTimeout,
            recorder: recorder,
            inFlight: inFlight
        )
        let sendingDone = SendingDone()
        let line = ProgressLine(recorder: recorder, inFlight: inFlight, duration: settings.duration)
        let sampler = SystemSampler(
            probe: probe,
            measureStart: measureStart,
            firstTick: -Int(settings.warmup.seconds.rounded(.up)),
            drainTimeout: settings.drainTimeout,
            sendingDone: sendingDone,
            onTick: { [progress] tick, sample, previous in progress(.tick(line.render(tick: tick, sample: sample, previous: previous))) }
        )
        async let sampled = sampler.run(baseline: baseline)
        if let rate = settings.requestsPerSecond {
            let schedule = ArrivalSchedule(start: start, requestsPerSecond: rate, warmup: settings.warmup, duration: settings.duration)
            await driver.run(.open(schedule, maxInFlight: settings.maxInFlight))
        } else {
            try? await Task.sleep(until: start, clock: .continuous)
            await driver.run(.closed(connections: settings.connections, end: measureStart + settings.duration))
        }
        sendingDone.mark(.now)
        if settings.drainTimeout > .zero {
            progress(.notice("sending done; waiting up to \(DurationText.format(settings.drainTimeout)) for the queue to drain"))
        }
        let samples = await sampled
        progress(.finished)
        return LoadReport.assemble(
            settings: reportSettings,
            startedAt: startedAt,
            totals: recorder.totals,
            lateThreshold: settings.lateThreshold,
            samples: samples,
            sendingDone: sendingDone.instant,
            measureStart: measureStart,
            generatorCPUSeconds: ProcessCPU.seconds() - cpuBefore
        )
    }

    /// Fails early with a message naming `--url` when the gateway does not answer `/livez`.
    private func checkGateway(_ http: HTTPClient) async throws {
        let url = settings.baseURL + "/livez"
        do {
            let response = try await http.execute(HTTPClientRequest(url: url), timeout: .seconds(3))
            _ = try await response.body.collect(upTo: 1 << 16)
            guard response.status.code == 200 else {
                throw LoadError(.unreachable, "--url: \(url) answered \(response.status.code)")
            }
        } catch let error as LoadError {
            throw error
        } catch {
            throw LoadError(.unreachable, "--url: cannot reach the gateway at \(url): \(error)")
        }
    }

    package var reportSettings: LoadReport.Settings {
        let job = settings.job
        return LoadReport.Settings(
            url: settings.baseURL,
            mode: settings.requestsPerSecond == nil ? "max" : "open",
            offeredJobsPerSecond: settings.requestsPerSecond.map { $0 * Double(settings.batch) },
            offeredRequestsPerSecond: settings.requestsPerSecond,
            durationSeconds: settings.duration.seconds,
            warmupSeconds: settings.warmup.seconds,
            connections: settings.connections,
            batch: settings.batch,
            queue: job.queue,
            queueCount: settings.queueCount > 1 ? settings.queueCount : nil,
            type: job.type,
            sleepMs: job.sleepMs,
            payloadBytes: job.payloadBytes,
            delayMs: job.delayMs,
            maxAttempts: job.maxAttempts,
            backoffMs: job.backoffMs
        )
    }
}

/// What a run tells whoever watches it.
public enum ProgressEvent: Sendable {
    /// Once a second: the progress line.
    case tick(String)
    /// Something worth a line of its own.
    case notice(String)
    /// The run is over (a live line may now end).
    case finished
}
