import ForgeLoad
import Foundation
import Testing

struct RecorderTests {
    @Test func latencyRunsFromTheDueTimeAndLateStartsAreCounted() {
        let start = ContinuousClock.now
        let recorder = LoadRecorder(measureStart: start, lateThreshold: .milliseconds(1))
        // 100 requests due 10 ms apart, each answered 2 ms after due; every tenth started 5 ms late.
        for i in 0..<100 {
            let due = start + .milliseconds(10 * i)
            let started = due + .milliseconds(i % 10 == 0 ? 5 : 0)
            recorder.record(due: due, started: started, answered: started + .milliseconds(2), outcome: .accepted(jobs: 1, refused: 0))
        }
        recorder.record(due: start - .milliseconds(5), started: start, answered: start, outcome: .accepted(jobs: 1, refused: 0))
        recorder.record(due: start, started: start, answered: start, outcome: .failed(.status(503)))
        recorder.record(due: start, started: start, answered: start, outcome: .failed(.timeout))
        let totals = recorder.totals
        #expect(totals.requests == 102)
        #expect(totals.warmupRequests == 1)
        #expect(totals.late == 10)
        #expect(totals.errors == [.status(503): 1, .timeout: 1])
        let summary = totals.latency.summary
        #expect(abs(summary.p50 - 2) < 0.01)
        #expect(abs(summary.max - 7) < 0.01)
        #expect(summary.count == 100)
        #expect(totals.seconds.count == 1)
    }

    @Test func batchAnswersCountRefusedItems() {
        let body = #"{"results":[{"id":"a","state":"pending"},{"error":{"status":400}},{"error":{"status":400}}]}"#
        #expect(EnqueueAnswer.refusedItems(in: Array(body.utf8)) == 2)
        #expect(EnqueueAnswer.refusedItems(in: Array(#"{"results":[]}"#.utf8)) == 0)
    }
}

struct AssemblyTests {
    /// Ten seconds at 100 jobs/s completing 90/s, wait mostly under 5 ms.
    func samples(start: ContinuousClock.Instant) -> LoadReport.TickedSamples {
        (-1...11).map { tick in
            var metrics = MetricsSnapshot()
            let done = Double(max(0, tick + 1) * 90)
            metrics.add(
                PrometheusText.parse(
                    """
                    forge_jobs_completed_total{queue="q",type="noop"} \(done)
                    forge_job_wait_seconds_bucket{queue="q",le="0.005"} \(done * 0.98)
                    forge_job_wait_seconds_bucket{queue="q",le="0.05"} \(done)
                    forge_job_wait_seconds_bucket{queue="q",le="+Inf"} \(done)
                    forge_job_wait_seconds_count{queue="q"} \(done)
                    forge_history_lag_seconds \(tick == 4 ? 0.7 : 0.1)
                    process_cpu_seconds_total \(Double(tick) * 0.5)
                    """
                ),
                from: "http://w/metrics",
                queue: "q"
            )
            let queue = QueueCounts(pending: tick == 11 ? 0 : 10, completed: Int(done))
            return (tick, SystemSample(at: start + .seconds(tick), metrics: metrics, queue: queue))
        }
    }

    @Test func reportTakesRatesFromTheWindowAndWaitFromTheHistograms() throws {
        let start = ContinuousClock.now
        let recorder = LoadRecorder(measureStart: start, lateThreshold: .milliseconds(1))
        for i in 0..<1000 {
            let due = start + .milliseconds(10 * i)
            recorder.record(due: due, started: due, answered: due + .milliseconds(1), outcome: .accepted(jobs: 1, refused: 0))
        }
        let settings = LoadRun(settings: LoadSettings(pacing: .rate(jobsPerSecond: 100), duration: .seconds(10), job: JobTemplate(queue: "q")))
            .reportSettings
        let report = LoadReport.assemble(
            settings: settings,
            startedAt: "now",
            totals: recorder.totals,
            lateThreshold: .milliseconds(1),
            samples: samples(start: start),
            sendingDone: start + .seconds(10),
            measureStart: start,
            generatorCPUSeconds: 0.2
        )
        #expect(report.enqueue.acceptedJobs == 1000)
        #expect(abs(report.enqueue.achievedJobsPerSecond - 100) < 0.5)
        #expect(report.system.completedJobs == 900)
        #expect(abs((report.system.completedPerSecond ?? 0) - 90) < 0.01)
        #expect(report.system.completedThroughDrain == 990)
        let wait = try #require(report.system.waitMs)
        #expect(wait.count == 990)
        #expect(try #require(wait.p50) <= 5)
        #expect(try #require(wait.p99) > 5)
        #expect(report.system.historyLagMaxSeconds == 0.7)
        #expect(report.system.drained == true)
        #expect(report.system.cpuSeconds["http://w/metrics"] == 5)
        #expect(report.series.count == 11)
        #expect(report.series[0].requests == 100)
        #expect(report.series[3].completedPerSecond.map { abs($0 - 90) < 0.01 } == true)
        #expect(report.series[10].requests == 0)
        let json = try JSONSerialization.jsonObject(with: ReportFiles.json(report)) as? [String: Any]
        #expect((json?["enqueue"] as? [String: Any])?["achieved_jobs_per_second"] != nil)
        #expect(ReportTable.render(report).contains("completed"))
    }

    @Test func scaleEfficiencyIsThroughputOverLinearFromTheFirstStep() {
        func report(_ completed: Double) -> LoadReport {
            var report = LoadReport.assemble(
                settings: LoadRun(settings: LoadSettings()).reportSettings,
                startedAt: "",
                totals: .init(),
                lateThreshold: .milliseconds(1),
                samples: [],
                sendingDone: nil,
                measureStart: .now,
                generatorCPUSeconds: 0
            )
            report.system.completedPerSecond = completed
            report.system.completedJobs = completed * 10
            report.system.cpuSeconds = ["a": 1, "b": 1, "gateway": 5]
            return report
        }
        let scale = ScaleReport(runs: [(1, report(200), ["a"]), (2, report(380), ["a", "b"]), (4, report(600), [])])
        #expect(scale.steps.map(\.efficiency) == [1, 0.95, 0.75])
        #expect(scale.steps[1].workerCPUSeconds == 2)
        #expect(scale.steps[1].workerCPUMicrosPerJob.map { abs($0 - 2 / 3800 * 1e6) < 1e-6 } == true)
        #expect(ScaleTable.render(scale).split(separator: "\n").count == 4)
    }

    @Test func workerCountsMustAscend() throws {
        #expect(try ScaleRun.parseCounts("1,2,4,8") == [1, 2, 4, 8])
        #expect(throws: LoadError.self) { try ScaleRun.parseCounts("2,1") }
        #expect(throws: LoadError.self) { try ScaleRun.parseCounts("1,x") }
        #expect(throws: LoadError.self) { try ScaleRun.parseCounts("0") }
    }

    @Test func orchestrationCommandsAreTheDocumentedOnes() {
        let kubectl = KubectlFleet(deployment: "forge-worker", namespace: "forge", rolloutTimeout: .seconds(120))
        #expect(
            kubectl.commands(count: 4) == [
                ["kubectl", "scale", "deployment/forge-worker", "--replicas=4", "--namespace", "forge"],
                ["kubectl", "rollout", "status", "deployment/forge-worker", "--timeout=120s", "--namespace", "forge"],
            ]
        )
        #expect(
            ComposeFleet(service: "worker", file: nil).command(count: 8)
                == ["docker", "compose", "up", "-d", "--scale", "worker=8", "--wait", "worker"]
        )
    }
}
