import Histogram
import Synchronization

/// Collects every answer of a run: totals, errors by kind, late starts, and the same per second
/// of due time for the time series. Requests due during the warm-up are only counted.
public final class LoadRecorder: Sendable {
    /// What the requests due in one second of the measurement came to.
    public struct Second: Sendable {
        public var requests = 0
        public var acceptedJobs = 0
        /// Jobs accepted by answers that arrived in this second (whenever they were due): the
        /// gateway's throughput over time, where the fields above follow the schedule.
        public var answeredJobs = 0
        public var refusedJobs = 0
        public var errors = 0
        public var late = 0
        public var latency = LatencyHistogram(significantDigits: .two)
    }

    /// Everything recorded so far.
    public struct Totals: Sendable {
        public var requests = 0
        public var okRequests = 0
        public var acceptedJobs = 0
        public var refusedJobs = 0
        public var late = 0
        public var errors: [ErrorKind: Int] = [:]
        public var latency = LatencyHistogram()
        public var seconds: [Second] = []
        public var warmupRequests = 0
        /// When the last measured request was answered.
        public var lastAnswer: ContinuousClock.Instant?

        public var errorCount: Int { errors.values.reduce(0, +) }

        package init() {}
    }

    public let measureStart: ContinuousClock.Instant
    public let lateThreshold: Duration
    private let state = Mutex(Totals())

    public init(measureStart: ContinuousClock.Instant, lateThreshold: Duration) {
        self.measureStart = measureStart
        self.lateThreshold = lateThreshold
    }

    /// Records one answer. `due` is when the request should have gone out (its start, in a
    /// closed loop); latency runs from there to `answered`.
    public func record(
        due: ContinuousClock.Instant,
        started: ContinuousClock.Instant,
        answered: ContinuousClock.Instant,
        outcome: RequestOutcome
    ) {
        let late = started - due > lateThreshold
        let latency = answered - due
        let offset = due - measureStart
        state.withLock { totals in
            guard offset >= .zero else {
                totals.warmupRequests += 1
                return
            }
            let second = Int(offset.components.seconds)
            while totals.seconds.count <= second { totals.seconds.append(Second()) }
            totals.requests += 1
            totals.seconds[second].requests += 1
            totals.lastAnswer = max(totals.lastAnswer ?? answered, answered)
            if late {
                totals.late += 1
                totals.seconds[second].late += 1
            }
            switch outcome {
            case .accepted(let jobs, let refused):
                let answeredSecond = Int((answered - measureStart).components.seconds)
                while totals.seconds.count <= answeredSecond { totals.seconds.append(Second()) }
                totals.seconds[answeredSecond].answeredJobs += jobs
                totals.okRequests += 1
                totals.acceptedJobs += jobs
                totals.refusedJobs += refused
                totals.seconds[second].acceptedJobs += jobs
                totals.seconds[second].refusedJobs += refused
                totals.latency.record(latency)
                totals.seconds[second].latency.record(latency)
            case .failed(let kind):
                totals.errors[kind, default: 0] += 1
                totals.seconds[second].errors += 1
            }
        }
    }

    /// Failed requests so far (cheap: for the progress line).
    public var errorCount: Int { state.withLock { $0.errorCount } }

    /// A copy of everything so far.
    public var totals: Totals { state.withLock { $0 } }

    /// One second of the time series, if anything was due in it yet.
    public func second(_ index: Int) -> Second? {
        state.withLock { index >= 0 && index < $0.seconds.count ? $0.seconds[index] : nil }
    }
}
