import ForgeObservability
import Foundation
import Prometheus
import Testing

/// Job types and queue names come from callers; the metric label sets stay bounded anyway.
@Suite struct MetricsCardinalityTests {
    @Test func typesPastTheLabelLimitAreCountedAsOther() async throws {
        try await TestGateway.with { gateway in
            let limit = gateway.metrics.labelLimits.type
            let jobs = (0..<(limit + 10)).map { ["type": "t\($0)", "queue": "m"] }
            #expect(try await gateway.http.post("/v1/jobs/batch", json: ["jobs": jobs]).status == 200)
            let lines = try await gateway.http.get("/metrics", token: .some(nil)).text
                .split(separator: "\n").filter { $0.hasPrefix("forge_jobs_enqueued_total{") }
            #expect(lines.count == limit + 1, "\(lines.count) series")
            #expect(lines.contains(#"forge_jobs_enqueued_total{queue="m",type="other"} 10"#))
        }
    }

    @Test func everyCappedLabelKeepsItsFirstValuesAndFoldsTheRest() {
        let metrics = ForgeMetrics(labelLimits: .init(queue: 2, type: 3))
        for queue in ["a", "b", "c", "d"] { metrics.jobsRetried(queue: queue).increment() }
        metrics.jobsCompleted(queue: "a", type: "x").increment()
        metrics.jobRunSeconds(queue: "z", type: "y").record(0.1)
        let text = String(decoding: metrics.render(), as: UTF8.self)
        #expect(text.contains(#"forge_jobs_retried_total{queue="a"} 1"#))
        #expect(text.contains(#"forge_jobs_retried_total{queue="b"} 1"#))
        #expect(text.contains(#"forge_jobs_retried_total{queue="other"} 2"#))
        #expect(text.contains(#"forge_job_run_seconds_count{queue="other",type="y"} 1"#))
        #expect(metrics.label("queue", "a") == "a" && metrics.label("queue", "e") == "other")
        #expect(metrics.label("route", "/v1/jobs") == "/v1/jobs")
    }
}
