import ForgeObservability
import Synchronization
import Testing

/// `/readyz` may be called by many probes at once; Redis and Postgres must see at most one check
/// run per `maxAge`.
@Suite struct ReadinessTests {
    @Test func checksRunAtMostOncePerMaxAgeHoweverOftenReadinessIsAsked() async throws {
        let runs = Atomic<Int>(0)
        let readiness = Readiness(
            checks: [(name: "db", check: {
                runs.add(1, ordering: .relaxed)
                try await Task.sleep(for: .milliseconds(50))
                return true
            })],
            maxAge: .milliseconds(500)
        )
        await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<50 { group.addTask { await readiness.evaluate().ready } }
            for await ready in group { #expect(ready) }
        }
        for _ in 0..<20 { #expect(await readiness.evaluate().ready) }
        #expect(runs.load(ordering: .relaxed) == 1)

        try await Task.sleep(for: .milliseconds(600))
        #expect(await readiness.evaluate().ready)
        #expect(runs.load(ordering: .relaxed) == 2)
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
