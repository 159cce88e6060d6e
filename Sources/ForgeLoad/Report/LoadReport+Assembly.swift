import ForgeCore

extension LoadReport {
    /// Samples taken once a second; tick 0 is the measurement start.
    public typealias TickedSamples = [(tick: Int, sample: SystemSample)]

    /// Builds the report from what the generator recorded and what the system said.
    ///
    /// The enqueue side covers requests due in the measurement window. The system's completion
    /// rate covers the same window (the samples at tick 0 and at the end of the duration); wait
    /// percentiles and completions "through drain" run on to the last sample, so jobs sent late
    /// in the window are counted when they run.
    public static func assemble(
        settings: Settings,
        startedAt: String,
        totals: LoadRecorder.Totals,
        lateThreshold: Duration,
        samples: TickedSamples,
        sendingDone: ContinuousClock.Instant?,
        measureStart: ContinuousClock.Instant,
        generatorCPUSeconds: Double
    ) -> LoadReport {
        let duration = settings.durationSeconds
        let elapsed = max(duration, totals.lastAnswer.map { ($0 - measureStart).seconds } ?? duration)
        let enqueue = Enqueue(
            requests: totals.requests,
            okRequests: totals.okRequests,
            acceptedJobs: totals.acceptedJobs,
            refusedJobs: totals.refusedJobs,
            errors: Dictionary(uniqueKeysWithValues: totals.errors.map { ($0.key.key, $0.value) }),
            errorCount: totals.errorCount,
            lateRequests: totals.late,
            lateThresholdMs: lateThreshold.seconds * 1000,
            elapsedSeconds: elapsed,
            achievedRequestsPerSecond: Double(totals.okRequests) / elapsed,
            achievedJobsPerSecond: Double(totals.acceptedJobs) / elapsed,
            latencyMs: totals.latency.summary,
            warmupRequests: totals.warmupRequests,
            generatorCPUSeconds: generatorCPUSeconds
        )
        return LoadReport(
            startedAt: startedAt,
            settings: settings,
            enqueue: enqueue,
            system: system(samples: samples, duration: duration, sendingDone: sendingDone),
            series: series(totals: totals, samples: samples)
        )
    }

    static func system(samples: TickedSamples, duration: Double, sendingDone: ContinuousClock.Instant?) -> System {
        let measured = samples.filter { $0.tick >= 0 }
        let endTick = Int(duration.rounded(.up))
        let first = measured.first?.sample
        let end = measured.first { $0.tick >= endTick }?.sample ?? measured.last?.sample
        let last = measured.last?.sample
        var system = System(metricsEndpoints: first?.metrics.endpoints ?? [], cpuSeconds: [:], residentMaxMB: [:])
        guard let first, let end, let last else { return system }
        let seconds = (end.at - first.at).seconds
        let scraped = !first.metrics.endpoints.isEmpty
        if let a = first.queue, let b = end.queue {
            system.completedJobs = Double(b.completed - a.completed)
        } else if scraped {
            system.completedJobs = end.metrics.completed - first.metrics.completed
        }
        if let completed = system.completedJobs, seconds > 0 { system.completedPerSecond = completed / seconds }
        if let a = first.queue, let b = last.queue { system.completedThroughDrain = Double(b.completed - a.completed) }
        if scraped {
            system.completedJobsMetrics = end.metrics.completed - first.metrics.completed
            system.failedAttempts = last.metrics.failed - first.metrics.failed
            system.retried = last.metrics.retried - first.metrics.retried
            system.dead = last.metrics.dead - first.metrics.dead
            let wait = last.metrics.wait.since(first.metrics.wait)
            system.waitMs = WaitSummary(
                count: wait.count,
                p50: wait.quantile(0.5).map { $0 * 1000 },
                p90: wait.quantile(0.9).map { $0 * 1000 },
                p99: wait.quantile(0.99).map { $0 * 1000 },
                mean: wait.mean.map { $0 * 1000 }
            )
            system.historyLagMaxSeconds = measured.map(\.sample.metrics.historyLag).max()
            let window = measured.filter { $0.tick <= endTick }.map(\.sample.metrics)
            let utilisation = window.filter { $0.concurrency > 0 }.map { $0.busy / $0.concurrency }
            if !utilisation.isEmpty { system.workerUtilisation = utilisation.reduce(0, +) / Double(utilisation.count) }
            for (endpoint, cpu) in end.metrics.cpuSeconds {
                if let before = first.metrics.cpuSeconds[endpoint] { system.cpuSeconds[endpoint] = cpu - before }
            }
            // The very first sample, taken as the load starts: the services' idle memory.
            system.residentStartMB = (samples.first?.sample ?? first).metrics.residentBytes.mapValues { $0 / 1_048_576 }
            for metrics in window {
                for (endpoint, bytes) in metrics.residentBytes {
                    system.residentMaxMB[endpoint] = max(system.residentMaxMB[endpoint] ?? 0, bytes / 1_048_576)
                }
            }
        }
        let backlogs = measured.compactMap { $0.sample.queue?.backlog }
        system.backlogMax = backlogs.max()
        system.backlogEnd = last.queue?.backlog
        system.drained = last.queue.map { $0.backlog == 0 }
        if let sendingDone { system.drainSeconds = max(0, (last.at - sendingDone).seconds) }
        return system
    }

    /// Second `t` pairs the requests due in `[t, t+1)` with the system's change from tick t to t+1.
    static func series(totals: LoadRecorder.Totals, samples: TickedSamples) -> [Second] {
        let byTick = Dictionary(samples.map { ($0.tick, $0.sample) }, uniquingKeysWith: { a, _ in a })
        let lastTick = samples.last?.tick ?? 0
        let count = max(totals.seconds.count, lastTick)
        return (0..<count).map { t in
            let sent = t < totals.seconds.count ? totals.seconds[t] : LoadRecorder.Second()
            let latency = sent.latency.count > 0 ? sent.latency.summary : nil
            var second = Second(
                t: t,
                requests: sent.requests,
                acceptedJobs: sent.acceptedJobs,
                answeredJobs: sent.answeredJobs,
                errors: sent.errors,
                late: sent.late,
                p50Ms: latency?.p50,
                p99Ms: latency?.p99
            )
            if let a = byTick[t], let b = byTick[t + 1] {
                let seconds = max((b.at - a.at).seconds, 0.001)
                if let qa = a.queue, let qb = b.queue {
                    second.completedPerSecond = Double(qb.completed - qa.completed) / seconds
                } else if !b.metrics.endpoints.isEmpty {
                    second.completedPerSecond = (b.metrics.completed - a.metrics.completed) / seconds
                }
                let wait = b.metrics.wait.since(a.metrics.wait)
                second.waitP50Ms = wait.quantile(0.5).map { $0 * 1000 }
                second.waitP99Ms = wait.quantile(0.99).map { $0 * 1000 }
                second.backlog = b.queue?.backlog
                second.historyLagSeconds = b.metrics.endpoints.isEmpty ? nil : b.metrics.historyLag
            }
            return second
        }
    }
}
