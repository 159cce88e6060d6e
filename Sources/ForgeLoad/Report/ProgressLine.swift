import ForgeCore

/// The once-a-second line: jobs accepted in the last whole second, the p99 of the requests due
/// in it (answered so far), errors so far, requests in flight, and what the system did in that second (completions, backlog, history lag).
struct ProgressLine: Sendable {
    let recorder: LoadRecorder
    let inFlight: InFlightCount
    let duration: Duration

    func render(tick: Int, sample: SystemSample, previous: SystemSample?) -> String {
        var parts: [String] = []
        if tick <= 0 {
            parts.append(tick < 0 ? "warmup \(tick)s" : "start")
        } else if Double(tick) <= duration.seconds.rounded(.up) {
            parts.append("\(tick)/\(Int(duration.seconds.rounded(.up)))s")
        } else {
            parts.append("drain +\(tick - Int(duration.seconds.rounded(.up)))s")
        }
        if tick > 0, let second = recorder.second(tick - 1) {
            let latency = second.latency.count > 0 ? second.latency.summary : nil
            parts.append("accepted \(second.answeredJobs) jobs/s")
            parts.append("p99 \(latency.map { Format.ms($0.p99) } ?? "-")")
            parts.append("late \(second.late)")
        }
        parts.append("errors \(recorder.errorCount)")
        parts.append("in flight \(inFlight.value)")
        if let previous {
            let seconds = max((sample.at - previous.at).seconds, 0.001)
            if let a = previous.queue, let b = sample.queue {
                parts.append("completed \(Int((Double(b.completed - a.completed) / seconds).rounded()))/s")
            } else if !sample.metrics.endpoints.isEmpty {
                parts.append("completed \(Int(((sample.metrics.completed - previous.metrics.completed) / seconds).rounded()))/s")
            }
        }
        if let backlog = sample.queue?.backlog { parts.append("backlog \(backlog)") }
        if !sample.metrics.endpoints.isEmpty { parts.append("lag \(Format.fixed(sample.metrics.historyLag, 2))s") }
        return parts.joined(separator: "  ")
    }
}
