/// The scaling table: one row per worker count.
public enum ScaleTable {
    public static func render(_ report: ScaleReport) -> String {
        let header = [
            "workers", "offered/s", "accepted/s", "completed/s", "efficiency", "wait p50", "wait p99", "enqueue p99", "errors", "worker CPU µs/job",
        ]
        let rows = report.steps.map { step in
            [
                String(step.workers), Format.optional(step.offeredJobsPerSecond, Format.count),
                Format.count(step.acceptedJobsPerSecond), Format.optional(step.completedJobsPerSecond, Format.count),
                Format.optional(step.efficiency) { Format.fixed($0, 2) }, Format.optional(step.waitP50Ms, Format.ms),
                Format.optional(step.waitP99Ms, Format.ms), Format.ms(step.enqueueP99Ms), String(step.errors),
                Format.optional(step.workerCPUMicrosPerJob) { Format.count($0) },
            ]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        return ([header] + rows).map { row in
            row.enumerated().map { column, cell in
                String(repeating: " ", count: widths[column] - cell.count) + cell
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
