import FoundationEssentials

/// The final table a person reads after a run.
public enum ReportTable {
    public static func render(_ report: LoadReport) -> String {
        let s = report.settings
        let e = report.enqueue
        let y = report.system
        let offered =
            s.offeredJobsPerSecond.map { "\(Format.count($0)) jobs/s (\(Format.count(s.offeredRequestsPerSecond ?? 0)) requests/s)" }
            ?? "as fast as \(s.connections) connections go (--max)"
        var rows: [(String, String)] = [
            ("offered", offered),
            (
                "job",
                "\(s.type) on " + (s.queueCount.map { "queues \(s.queue)-0 … \(s.queue)-\($0 - 1) in turn" } ?? "queue \(s.queue)")
                    + ", batch \(s.batch)" + (s.sleepMs.map { ", sleep \($0) ms" } ?? "")
                    + (s.delayMs.map { ", delay \($0) ms" } ?? "")
            ),
            ("measured", "\(Format.fixed(s.durationSeconds, 1)) s after \(Format.fixed(s.warmupSeconds, 1)) s warm-up, \(s.connections) connections"),
            ("achieved", "\(Format.count(e.achievedJobsPerSecond)) jobs/s, \(Format.count(e.achievedRequestsPerSecond)) requests/s"),
            (
                "requests",
                "\(Format.count(Double(e.requests))) sent, \(Format.count(Double(e.okRequests))) ok, \(Format.count(Double(e.acceptedJobs))) jobs accepted"
                    + (e.refusedJobs > 0 ? ", \(e.refusedJobs) items refused" : "")
            ),
            (
                "errors",
                e.errorCount == 0
                    ? "0" : "\(e.errorCount): " + e.errors.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            ),
            ("late starts", "\(e.lateRequests) (> \(Format.fixed(e.lateThresholdMs, 1)) ms after due)"),
            (
                "enqueue latency",
                "p50 \(Format.ms(e.latencyMs.p50))  p90 \(Format.ms(e.latencyMs.p90))  p99 \(Format.ms(e.latencyMs.p99))  p99.9 \(Format.ms(e.latencyMs.p999))  max \(Format.ms(e.latencyMs.max))"
            ),
            (
                "completed",
                y.completedPerSecond.map { "\(Format.count($0)) jobs/s (\(Format.count(y.completedJobs ?? 0)) in the window" }.map {
                    $0 + (y.completedThroughDrain.map { ", \(Format.count($0)) through the drain)" } ?? ")")
                } ?? "-"
            ),
        ]
        if let wait = y.waitMs {
            rows.append(
                (
                    "wait (enqueue→start)",
                    "p50 \(Format.optional(wait.p50, Format.ms))  p90 \(Format.optional(wait.p90, Format.ms))  p99 \(Format.optional(wait.p99, Format.ms))  over \(Format.count(wait.count)) jobs"
                )
            )
        }
        if let failed = y.failedAttempts, failed > 0 || (y.retried ?? 0) > 0 {
            rows.append(
                ("failures", "\(Format.count(failed)) failed attempts, \(Format.count(y.retried ?? 0)) retried, \(Format.count(y.dead ?? 0)) dead")
            )
        }
        if let lag = y.historyLagMaxSeconds { rows.append(("history lag max", "\(Format.fixed(lag, 2)) s")) }
        if let backlog = y.backlogMax {
            let drained = y.drained.map { $0 ? "drained" : "not drained" } ?? ""
            rows.append(
                (
                    "backlog",
                    "max \(Format.count(Double(backlog))), end \(Format.count(Double(y.backlogEnd ?? 0))) \(drained)"
                        + (y.drainSeconds.map { " after \(Format.fixed($0, 1)) s" } ?? "")
                )
            )
        }
        if let utilisation = y.workerUtilisation { rows.append(("worker utilisation", "\(Int((utilisation * 100).rounded())) %")) }
        rows.append(("generator CPU", "\(Format.fixed(e.generatorCPUSeconds, 2)) s"))
        for (endpoint, cpu) in y.cpuSeconds.sorted(by: { $0.key < $1.key }) {
            let start = y.residentStartMB[endpoint].map { "\(Format.fixed($0, 1)) → " } ?? ""
            let rss = y.residentMaxMB[endpoint].map { ", resident \(start)\(Format.fixed($0, 1)) MB max" } ?? ""
            rows.append(("  " + endpoint.replacing("/metrics", with: ""), "\(Format.fixed(cpu, 2)) CPU s\(rss)"))
        }
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { $0.0 + String(repeating: " ", count: width - $0.0.count) + "  " + $0.1 }.joined(separator: "\n")
    }
}
