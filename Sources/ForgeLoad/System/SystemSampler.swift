import Synchronization

/// Samples the system once a second on ticks aligned with the measurement start (tick 0 is the
/// start, tick k is k seconds later; warm-up ticks are negative), reports each tick to
/// `onTick`, and after sending ends keeps going until the queue drained or `drainTimeout` passed.
///
/// The first tick's sample is the baseline the run took before its first request: scraped at
/// the tick instead, it raced the first jobs and could count one of them outside the window.
struct SystemSampler: Sendable {
    let probe: SystemProbe
    let measureStart: ContinuousClock.Instant
    let firstTick: Int
    let drainTimeout: Duration
    let sendingDone: SendingDone
    let onTick: @Sendable (Int, SystemSample, SystemSample?) -> Void

    /// Samples by tick, in order, starting with `baseline` as the first tick's. Returns early
    /// (with what it has) when cancelled.
    func run(baseline: SystemSample) async -> [(tick: Int, sample: SystemSample)] {
        onTick(firstTick, baseline, nil)
        var samples: [(tick: Int, sample: SystemSample)] = [(firstTick, baseline)]
        var tick = firstTick + 1
        while !Task.isCancelled {
            let at = measureStart + .seconds(tick)
            try? await Task.sleep(until: at, tolerance: .milliseconds(5), clock: ContinuousClock())
            let sample = await probe.sample()
            onTick(tick, sample, samples.last?.sample)
            samples.append((tick, sample))
            if let done = sendingDone.instant, at >= done {
                let backlog = sample.queue?.backlog ?? sample.metrics.pending.map { Int($0) } ?? 0
                if drainTimeout == .zero || backlog == 0 || at - done >= drainTimeout { break }
            }
            tick += 1
        }
        return samples
    }
}

/// When the last request was answered; set once by the run, read by the sampler.
final class SendingDone: Sendable {
    private let state = Mutex<ContinuousClock.Instant?>(nil)
    var instant: ContinuousClock.Instant? { state.withLock { $0 } }
    func mark(_ instant: ContinuousClock.Instant) { state.withLock { $0 = $0 ?? instant } }
}
