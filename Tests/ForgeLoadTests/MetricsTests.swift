import ForgeLoad
import Testing

struct PrometheusTextTests {
    @Test func readsSamplesWithAndWithoutLabels() {
        let text = """
            # HELP forge_jobs_completed_total Jobs whose handler succeeded.
            # TYPE forge_jobs_completed_total counter
            forge_jobs_completed_total{queue="default",type="noop"} 42
            forge_history_lag_seconds 0.25
            forge_job_wait_seconds_bucket{queue="default",le="+Inf"} 7
            odd{label="a \\"quoted\\" \\\\ value"} 1e3

            """
        let samples = PrometheusText.parse(text)
        #expect(samples.count == 4)
        #expect(samples[0] == MetricSample(name: "forge_jobs_completed_total", labels: ["queue": "default", "type": "noop"], value: 42))
        #expect(samples[1] == MetricSample(name: "forge_history_lag_seconds", labels: [:], value: 0.25))
        #expect(samples[2].labels["le"] == "+Inf")
        #expect(samples[3].labels["label"] == "a \"quoted\" \\ value")
        #expect(samples[3].value == 1000)
    }

    @Test func snapshotKeepsOnlyItsQueueAndSumsWorkers() {
        let worker = PrometheusText.parse(
            """
            forge_jobs_completed_total{queue="default",type="noop"} 10
            forge_jobs_completed_total{queue="other",type="noop"} 99
            forge_job_wait_seconds_bucket{queue="default",le="0.005"} 4
            forge_job_wait_seconds_bucket{queue="default",le="+Inf"} 5
            forge_job_wait_seconds_count{queue="default"} 5
            forge_worker_busy{worker="w"} 2
            forge_worker_concurrency{worker="w"} 4
            process_resident_memory_bytes 1048576
            """
        )
        let scheduler = PrometheusText.parse("forge_history_lag_seconds 1.5\nforge_queue_jobs{queue=\"default\",state=\"pending\"} 12\n")
        var snapshot = MetricsSnapshot()
        snapshot.add(worker, from: "w1", queue: "default")
        snapshot.add(worker, from: "w2", queue: "default")
        snapshot.add(scheduler, from: "s1", queue: "default")
        #expect(snapshot.completed == 20)
        #expect(snapshot.wait.count == 10)
        #expect(snapshot.wait.cumulative[0.005] == 8)
        #expect(snapshot.historyLag == 1.5)
        #expect(snapshot.pending == 12)
        #expect(snapshot.busy / snapshot.concurrency == 0.5)
        #expect(snapshot.residentBytes["w2"] == 1_048_576)
        #expect(snapshot.endpoints == ["w1", "w2", "s1"])
    }
}

struct EndpointLayoutTests {
    @Test func defaultEndpointsFollowForgeUpsPortLayout() {
        #expect(
            SystemProbe.forgeUpLayout(gateway: "http://127.0.0.1:18080", workers: 2) == [
                "http://127.0.0.1:18080/metrics", "http://127.0.0.1:18081/metrics", "http://127.0.0.1:18091/metrics",
                "http://127.0.0.1:18082/metrics", "http://127.0.0.1:18092/metrics",
            ]
        )
    }
}

struct BucketCountsTests {
    @Test func quantileInterpolatesWithinTheBucketLikePrometheus() throws {
        // 100 observations: 50 ≤ 1 ms, 40 in (1, 5] ms, 10 in (5, 10] ms.
        let counts = BucketCounts(cumulative: [0.001: 50, 0.005: 90, 0.01: 100, .infinity: 100], count: 100, sum: 0.3)
        #expect(try #require(counts.quantile(0.5)) == 0.001)
        #expect(abs(try #require(counts.quantile(0.7)) - 0.003) < 1e-12)
        #expect(abs(try #require(counts.quantile(0.99)) - 0.0095) < 1e-12)
        #expect(counts.mean == 0.003)
    }

    @Test func ranksPastTheLastFiniteBoundAnswerThatBound() {
        let counts = BucketCounts(cumulative: [0.1: 1, .infinity: 10], count: 10)
        #expect(counts.quantile(0.99) == 0.1)
    }

    @Test func deltasSubtractAnEarlierSnapshot() {
        let before = BucketCounts(cumulative: [0.001: 10, 0.01: 10, .infinity: 10], count: 10, sum: 0.005)
        let after = BucketCounts(cumulative: [0.001: 10, 0.01: 15, .infinity: 20], count: 20, sum: 0.1)
        let delta = after.since(before)
        #expect(delta.count == 10)
        #expect(delta.cumulative[0.001] == 0)
        #expect(delta.cumulative[.infinity] == 10)
        #expect(delta.quantile(0.5).map { $0 > 0.001 && $0 <= 0.010_000_1 } == true)
        #expect(BucketCounts().quantile(0.5) == nil)
    }
}
