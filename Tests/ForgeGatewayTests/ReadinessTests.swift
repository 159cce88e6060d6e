import ForgeObservability
import Synchronization
import Testing

/// `/readyz` may be called by many probes at once; Redis and Postgres must see at most one check
/// run per `maxAge`.
@Suite struct ReadinessTests {
    @Test func concurrentAndRepeatedCallsShareOneCheckRun() async {
        let runs = Counter()
        // An hour: any second run inside this test would be a cache miss, however slow the machine.
        let readiness = Readiness(checks: [(name: "db", check: { try await countedCheck(runs) })], maxAge: .seconds(3600))
        await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<50 { group.addTask { await readiness.evaluate().ready } }
            for await ready in group { #expect(ready) }
        }
        for _ in 0..<20 { #expect(await readiness.evaluate().ready) }
        #expect(runs.value.load(ordering: .relaxed) == 1)
    }

    @Test func resultsOlderThanMaxAgeAreCheckedAgain() async throws {
        let runs = Counter()
        let readiness = Readiness(checks: [(name: "db", check: { try await countedCheck(runs) })], maxAge: .milliseconds(100))
        #expect(await readiness.evaluate().ready)
        try await Task.sleep(for: .milliseconds(250))
        #expect(await readiness.evaluate().ready)
        #expect(runs.value.load(ordering: .relaxed) == 2)
    }

    @Test func aThrowingCheckIsNotReadyAndDrainingIsSeenAtOnce() async {
        struct Refused: Error {}
        let readiness = Readiness(checks: [
            (name: "ok", check: { true }), (name: "refused", check: { throw Refused() }),
        ])
        let first = await readiness.evaluate()
        #expect(!first.ready)
        #expect(first.results == ["ok": true, "refused": false, "not_draining": true])
        readiness.markDraining()
        #expect(await readiness.evaluate().results["not_draining"] == false)
    }
}

/// Counts a run and takes a little while, like a network round trip.
private func countedCheck(_ runs: Counter) async throws -> Bool {
    runs.value.add(1, ordering: .relaxed)
    try await Task.sleep(for: .milliseconds(50))
    return true
}

private final class Counter: Sendable {
    let value = Atomic<Int>(0)
}
