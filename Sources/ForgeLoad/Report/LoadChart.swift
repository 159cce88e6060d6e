/// The chart of one run: throughput (jobs sent and completed per second) and latency (enqueue
/// p50/p99 by due second, wait p99 from the workers' histograms) over time.
public enum LoadChart {
    public static func make(_ report: LoadReport) -> SVGChart {
        let series = report.series
        func points(_ value: (LoadReport.Second) -> Double?) -> [(x: Double, y: Double)] {
            series.compactMap { second in value(second).map { (x: Double(second.t), y: $0) } }
        }
        let s = report.settings
        let offered = s.offeredJobsPerSecond.map { "\(Format.count($0)) jobs/s" } ?? "--max"
        let title = "forge-load: \(offered), \(s.type), batch \(s.batch), \(Format.fixed(s.durationSeconds, 0)) s"
        return SVGChart(
            title: title,
            xLabel: "seconds since the measurement started",
            panels: [
                .init(
                    title: "Throughput",
                    yLabel: "jobs/s",
                    series: [
                        .init(name: "accepted (answers/s)", color: "#1f77b4", points: points { Double($0.answeredJobs) }),
                        .init(
                            name: "sent (by due s)",
                            color: "#1f77b4",
                            points: points { Double($0.acceptedJobs + $0.errors * s.batch) },
                            dashed: true
                        ),
                        .init(name: "completed", color: "#2ca02c", points: points(\.completedPerSecond)),
                        .init(name: "errors", color: "#d62728", points: points { Double($0.errors) }),
                    ]
                ),
                .init(
                    title: "Latency",
                    yLabel: "ms",
                    series: [
                        .init(name: "enqueue p50", color: "#1f77b4", points: points(\.p50Ms), dashed: true),
                        .init(name: "enqueue p99", color: "#1f77b4", points: points(\.p99Ms)),
                        .init(name: "wait p50", color: "#ff7f0e", points: points(\.waitP50Ms), dashed: true),
                        .init(name: "wait p99", color: "#ff7f0e", points: points(\.waitP99Ms)),
                    ]
                ),
            ]
        )
    }
}
