/// The scaling chart: completed jobs/s against workers next to perfect scaling, and efficiency.
public enum ScaleChart {
    public static func make(_ report: ScaleReport) -> SVGChart {
        let steps = report.steps
        let base = steps.first.flatMap { first in first.completedJobsPerSecond.map { (Double(first.workers), $0) } }
        let completed = steps.compactMap { step in step.completedJobsPerSecond.map { (x: Double(step.workers), y: $0) } }
        let ideal = base.map { b in steps.map { (x: Double($0.workers), y: Double($0.workers) / b.0 * b.1) } } ?? []
        let offered = steps.compactMap { step in step.offeredJobsPerSecond.map { (x: Double(step.workers), y: $0) } }
        let efficiency = steps.compactMap { step in step.efficiency.map { (x: Double(step.workers), y: $0) } }
        let waits = steps.compactMap { step in step.waitP99Ms.map { (x: Double(step.workers), y: $0) } }
        return SVGChart(
            title: "forge-load scale: completed jobs/s by worker count",
            xLabel: "workers",
            panels: [
                .init(
                    title: "Throughput",
                    yLabel: "jobs/s",
                    series: [
                        .init(name: "completed", color: "#2ca02c", points: completed),
                        .init(name: "linear from first", color: "#7f7f7f", points: ideal, dashed: true),
                        .init(name: "offered", color: "#1f77b4", points: offered, dashed: true),
                    ]
                ),
                .init(title: "Scaling efficiency", yLabel: "ratio", series: [.init(name: "efficiency", color: "#9467bd", points: efficiency)]),
                .init(title: "Wait p99", yLabel: "ms", series: [.init(name: "wait p99", color: "#ff7f0e", points: waits)]),
            ]
        )
    }
}
