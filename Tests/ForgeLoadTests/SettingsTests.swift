import ForgeCore
import ForgeLoad
import Foundation
import Testing

struct DurationTextTests {
    @Test(arguments: [
        ("60s", 60_000), ("2m", 120_000), ("500ms", 500), ("1.5s", 1500), ("7", 7000), ("1h", 3_600_000), (" 10S ", 10_000),
    ])
    func parsesUnitsPeopleType(text: String, milliseconds: Int64) throws {
        #expect(try DurationText.parse(text, flag: "--duration").milliseconds == milliseconds)
    }

    @Test(arguments: ["abc", "-1s", "5x", "", "s", "nan"])
    func refusesNonsenseNamingTheFlag(text: String) {
        #expect {
            try DurationText.parse(text, flag: "--warmup")
        } throws: { error in
            (error as? LoadError)?.message.hasPrefix("--warmup:") == true
        }
    }

    @Test(arguments: [(1.0, Duration.milliseconds(1)), (0.25, .microseconds(250)), (0.001, .microseconds(1)), (60_000, .seconds(60))])
    func millisecondOptionsBecomeDurationsToTheMicrosecond(value: Double, duration: Duration) throws {
        #expect(try DurationText.milliseconds(value, flag: "--late-ms") == duration)
    }

    /// `--late-ms nan|inf|1e19` used to trap converting to an integer before any check.
    @Test(arguments: [Double.nan, .infinity, -.infinity, 1e19, -1e19, 0, -1, 0.0001, 7 * 86_400_000 + 1])
    func millisecondOptionsThatAreNoDurationAreRefusedNamingTheFlag(value: Double) {
        #expect {
            try DurationText.milliseconds(value, flag: "--late-ms")
        } throws: { error in
            (error as? LoadError)?.message.hasPrefix("--late-ms:") == true
        }
    }

    @Test func formatsRoundTrip() throws {
        for text in ["500ms", "45s", "2m", "1.5s"] {
            #expect(DurationText.format(try DurationText.parse(text, flag: "x")) == text)
        }
    }
}

struct LoadSettingsTests {
    @Test func validSettingsPass() throws {
        try LoadSettings().validate()
    }

    @Test func errorsNameTheFlag() {
        func flag(_ change: (inout LoadSettings) -> Void) -> String? {
            var settings = LoadSettings()
            change(&settings)
            do { try settings.validate() } catch { return error.message.components(separatedBy: ":").first }
            return nil
        }
        #expect(flag { $0.url = "ftp://x" } == "--url")
        #expect(flag { $0.pacing = .rate(jobsPerSecond: 0) } == "--rps")
        #expect(flag { $0.batch = 1001 } == "--batch")
        #expect(flag { $0.connections = 0 } == "--connections")
        #expect(flag { $0.job.queue = "Bad Queue" } == "--queue")
        #expect(flag { $0.job.sleepMs = 20 } == "--sleep-ms")
        #expect(flag { $0.job.maxAttempts = 0 } == "--max-attempts")
        #expect(flag { $0.duration = .zero } == "--duration")
    }

    @Test func rpsCountsJobsSoBatchesDivideTheRequestRate() {
        let settings = LoadSettings(pacing: .rate(jobsPerSecond: 2000), batch: 100)
        #expect(settings.requestsPerSecond == 20)
        #expect(LoadSettings(pacing: .max).requestsPerSecond == nil)
    }

    @Test func tokenComesFromFlagFileOrEnvironment() throws {
        #expect(try APIToken.resolve(flag: "a", file: nil, environment: ["FORGE_API_TOKEN": "b"]) == "a")
        #expect(try APIToken.resolve(flag: nil, file: nil, environment: ["FORGE_API_TOKEN": "b"]) == "b")
        #expect(try APIToken.resolve(flag: nil, file: nil, environment: ["FORGE_API_TOKENS": " c , d"]) == "c")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("forge-load-token-\(UUID().uuidString)")
        try "secret\nignored\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(try APIToken.resolve(flag: nil, file: file.path, environment: [:]) == "secret")
        #expect(throws: LoadError.self) { try APIToken.resolve(flag: nil, file: "/nonexistent/token", environment: [:]) }
        #expect(try APIToken.resolve(flag: nil, file: nil, environment: [:]) == nil)
    }
}

struct JobTemplateTests {
    @Test func jobCarriesEveryOption() throws {
        let job = JobTemplate(queue: "q", type: "fail", payloadBytes: 0, delayMs: 500, maxAttempts: 3, backoffMs: 10)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(job.jobJSON())) as? [String: Any])
        #expect(json["type"] as? String == "fail")
        #expect(json["queue"] as? String == "q")
        #expect(json["delay_ms"] as? Int == 500)
        #expect(json["max_attempts"] as? Int == 3)
        #expect((json["backoff"] as? [String: Int]) == ["base_ms": 10, "cap_ms": 40])
        #expect((json["payload"] as? [String: Any])?["retryable"] as? Bool == true)
    }

    @Test func sleepJobsCarryTheirMillisecondsAndPaddingReachesTheSize() throws {
        let job = JobTemplate(type: "sleep", sleepMs: 20, payloadBytes: 300)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(job.jobJSON())) as? [String: Any])
        let payload = try #require(json["payload"] as? [String: Any])
        #expect(payload["ms"] as? Int == 20)
        let encoded = try JSONSerialization.data(withJSONObject: payload)
        #expect(encoded.count >= 295 && encoded.count <= 305)
    }

    @Test func batchHoldsTheRequestedNumberOfJobs() throws {
        let body = JobTemplate().batchJSON(count: 7)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        #expect((json["jobs"] as? [[String: Any]])?.count == 7)
        #expect((json["jobs"] as? [[String: Any]])?.first?["type"] as? String == "noop")
    }
}
