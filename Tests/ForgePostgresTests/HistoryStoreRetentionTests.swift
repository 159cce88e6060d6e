import ForgeCore
import ForgePostgres
import ForgeTestSupport
import Testing

@Suite struct HistoryStoreRetentionTests {
    let t0: Int64 = 1_700_000_000_000

    @Test func deleteFinishedRemovesOnlyOldFinishedJobsAndTheirEvents() async throws {
        try await TestDatabase.withSchema { client in
            let store = HistoryStore(client: client)
            let oldDone = JobID.generate()
            let oldDead = JobID.generate()
            let oldActive = JobID.generate()
            let newDone = JobID.generate()
            try await store.record(try completedJob(oldDone, at: t0))
            try await store.record([
                try event(oldDead, 1, .enqueued, .pending, at: t0, type: "x", payload: "{}"),
                try event(oldDead, 2, .started, .active, at: t0 + 1, attempts: 1),
                try event(oldDead, 3, .died, .dead, at: t0 + 2, attempts: 1, error: "no"),
                try event(oldActive, 1, .enqueued, .pending, at: t0, type: "x", payload: "{}"),
                try event(oldActive, 2, .started, .active, at: t0 + 1, attempts: 1),
            ])
            try await store.record(try completedJob(newDone, at: t0 + 100_000))

            let cutoff = t0 + 50_000
            #expect(try await store.deleteFinished(olderThan: cutoff, limit: 1) == 1)
            #expect(try await store.deleteFinished(olderThan: cutoff, limit: 100) == 1)
            #expect(try await store.deleteFinished(olderThan: cutoff, limit: 100) == 0)

            #expect(try await store.job(oldDone) == nil)
            #expect(try await store.job(oldDead) == nil)
            #expect(try await store.job(oldActive)?.state == .active)
            #expect(try await store.job(newDone)?.state == .completed)
            let events = try await client.query("SELECT count(*) FROM job_events")
            #expect(events.rows == [["0"]])
        }
    }
}
