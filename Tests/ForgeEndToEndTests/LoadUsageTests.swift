import Testing

/// `forge-load` refuses a flag value it cannot use with a usage error that names the flag, before
/// it sends anything; it never traps.
@Suite struct LoadUsageTests {
    /// `--late-ms` was turned into whole microseconds before any check, so NaN, an infinity or
    /// 1e19 crashed forge-load with a trap instead of a message (issue 17, item 13).
    @Test(arguments: ["nan", "inf", "-inf", "1e19", "-1e19", "0", "-1"])
    func aLateThresholdThatIsNoDurationIsAUsageErrorNamingTheFlag(value: String) async throws {
        let run = try await CLIRun.program(
            "forge-load",
            ["--late-ms=\(value)", "--url", "http://127.0.0.1:1", "--duration", "1s", "--warmup", "0s", "--drain-timeout", "0s"]
        )
        // 64 (EX_USAGE) is what forge-load, through ArgumentParser, exits with for every usage error.
        #expect(run.status == 64, "--late-ms \(value): status \(run.status)\n\(run.stderr)")
        #expect(run.stderr.contains("--late-ms:"), "--late-ms \(value): \(run.stderr)")
    }
}
