import ForgeCore
import ForgePostgres
import ForgeTestSupport
import Testing

@Suite struct HistoryStoreRecordTests {
    let t0: Int64 = 1_700_000_000_000

    @Test func jobEnqueuedStartedAndCompletedInOneBatchIsOneRow() async throws {
        try await TestDatabase.withSchema { client in
            let store = HistoryStore(client: client)
            let id = JobID.generate()
            try await store.record(try completedJob(id, at: t0))

            let job = try #require(try await store.job(id))
            #expect(job.state == .completed)
            #expect(job.type == "mail.send")
            #expect(job.priority == 5 && job.maxAttempts == 3 && job.attempts == 1)
            #expect(job.createdAtMs == t0 && job.startedAtMs == t0 + 10 && job.finishedAtMs == t0 + 20)
            #expect(job.errors.isEmpty && job.lastError == nil)
            let raw = try await client.query(
                "SELECT count(*) OVER (), seq, json_typeof(payload), payload->>'to', result->'ok' FROM jobs"
            )
            #expect(raw.rows == [["1", "3", "object", "a@b.c", "true"]])
            let audited = try await client.query("SELECT count(*) FROM job_events")
            #expect(audited.rows == [["0"]])
        }
    }

    @Test func retriesKeepEveryErrorInOrderAndAuditRows() async throws {
        try await TestDatabase.withSchema { client in
            let store = HistoryStore(client: client)
            let id = JobID.generate()
            let (first, second) = try retryingJob(id)
            try await store.record(first)
            try await store.record(second)

            let job = try #require(try await store.job(id))
            #expect(job.state == .dead)
            #expect(job.attempts == 2)
            #expect(
                job.errors == [
                    AttemptError(attempt: 1, atMs: t0 + 20, message: "boom"),
                    AttemptError(attempt: 2, atMs: t0 + 50, message: "bang"),
                ]
            )
            #expect(job.lastError == "bang")
            #expect(job.finishedAtMs == t0 + 50)
            #expect(job.runAtMs == t0 + 30)
            let events = try await client.query("SELECT kind, state, attempt, error FROM job_events ORDER BY seq")
            #expect(events.rows == [["retried", "retrying", "1", "boom"], ["died", "dead", "2", "bang"]])
        }
    }

    @Test func replayingBatchesNeverDuplicatesOrMovesBackwards() async throws {
        try await TestDatabase.withSchema { client in
            let store = HistoryStore(client: client)
            let id = JobID.generate()
            let (first, second) = try retryingJob(id)
            try await store.record(first)
            try await store.record(second)
            let before = try await store.job(id)
            let rowBefore = try await client.query("SELECT seq, state, jsonb_array_length(errors) FROM jobs")

            try await store.record(second)
            try await store.record(first)
            try await store.record(first + second + second)

            #expect(try await store.job(id) == before)
            let rowAfter = try await client.query("SELECT seq, state, jsonb_array_length(errors) FROM jobs")
            #expect(rowAfter == rowBefore)
            #expect(rowAfter.rows == [["6", "dead", "2"]])
            let events = try await client.query("SELECT count(*), count(DISTINCT seq) FROM job_events")
            #expect(events.rows == [["2", "2"]])
        }
    }

    @Test func laterBatchThatDoesNotSetAttemptsKeepsTheStoredOnes() async throws {
        try await TestDatabase.withSchema { client in
            let store = HistoryStore(client: client)
            let id = JobID.generate()
            try await store.record([
                try event(id, 1, .enqueued, .pending, at: t0, attempts: 0, type: "x", payload: "{}"),
                try event(id, 2, .started, .active, at: t0 + 1, attempts: 1),
            ])
            try await store.record([try event(id, 3, .completed, .completed, at: t0 + 2)])

            let job = try #require(try await store.job(id))
            #expect(job.state == .completed && job.attempts == 1 && job.type == "x" && job.startedAtMs == t0 + 1)
        }
    }

    @Test func eventRepeatedInsideOneBatchCountsOnce() async throws {
        try await TestDatabase.withSchema { client in
            let store = HistoryStore(client: client)
            let id = JobID.generate()
            let (first, second) = try retryingJob(id)
            try await store.record(first + second + second + first)

            let job = try #require(try await store.job(id))
            #expect(job.state == .dead && job.errors.map(\.message) == ["boom", "bang"])
            let events = try await client.query("SELECT count(*) FROM job_events")
            #expect(events.rows == [["2"]])
        }
    }

    @Test func revivedJobIsRunningAgainWithoutFinishTime() async throws {
        try await TestDatabase.withSchema { client in
            let store = HistoryStore(client: client)
            let id = JobID.generate()
            let (first, second) = try retryingJob(id)
            try await store.record(first + second)
            try await store.record([try event(id, 7, .revived, .pending, at: t0 + 100, attempts: 0)])

            let job = try #require(try await store.job(id))
            #expect(job.state == .pending)
            #expect(job.finishedAtMs == nil)
            #expect(job.attempts == 0)
            #expect(job.errors.count == 2)
            let kinds = try await client.query("SELECT kind FROM job_events ORDER BY seq")
            #expect(kinds.rows == [["retried"], ["died"], ["revived"]])
        }
    }

    @Test func jobWhoseEnqueueEventWasLostIsStillRecorded() async throws {
        try await TestDatabase.withSchema { client in
            let store = HistoryStore(client: client)
            let id = JobID.generate()
            try await store.record([
                try event(id, 2, .started, .active, at: t0 + 5, attempts: 1),
                try event(id, 3, .completed, .completed, at: t0 + 9),
            ])
            let job = try #require(try await store.job(id))
            #expect(job.state == .completed && job.type == "" && job.payload == "null")
            #expect(job.createdAtMs == t0 + 5 && job.finishedAtMs == t0 + 9)
        }
    }

    @Test func payloadThatIsNotJSONIsKeptAsAString() async throws {
        try await TestDatabase.withSchema { client in
            let store = HistoryStore(client: client)
            let id = JobID.generate()
            try await store.record([
                try event(id, 1, .enqueued, .pending, at: t0, type: "x", payload: "not json {")
            ])
            let raw = try await client.query("SELECT json_typeof(payload), payload #>> '{}' FROM jobs")
            #expect(raw.rows == [["string", "not json {"]])
        }
    }

    /// Two batches: enqueued, started, retried("boom"); then promoted, started, died("bang").
    private func retryingJob(_ id: JobID) throws -> ([JobEvent], [JobEvent]) {
        (
            [
                try event(id, 1, .enqueued, .pending, at: t0, attempts: 0, type: "report", payload: "[1,2]", maxAttempts: 2),
                try event(id, 2, .started, .active, at: t0 + 10, attempts: 1),
                try event(id, 3, .retried, .retrying, at: t0 + 20, attempts: 1, runAtMs: t0 + 30, error: "boom"),
            ],
            [
                try event(id, 4, .promoted, .pending, at: t0 + 30),
                try event(id, 5, .started, .active, at: t0 + 40, attempts: 2),
                try event(id, 6, .died, .dead, at: t0 + 50, attempts: 2, error: "bang"),
            ]
        )
    }
}
