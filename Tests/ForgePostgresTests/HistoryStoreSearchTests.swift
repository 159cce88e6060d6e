import ForgeCore
import ForgePostgres
import ForgeTestSupport
import Testing

@Suite struct HistoryStoreSearchTests {
    let t0: Int64 = 1_700_000_000_000

    @Test func keysetPagesReturnEveryMatchExactlyOnceNewestFirst() async throws {
        try await TestDatabase.withSchema { client in
            let store = HistoryStore(client: client)
            // 30 jobs in two queues; pairs share a creation millisecond so `id` breaks ties.
            var expected: [(at: Int64, id: JobID, queue: String)] = []
            var events: [JobEvent] = []
            for index in 0..<30 {
                let id = JobID.generate()
                let at = t0 + Int64(index / 2) * 1_000
                let queue = index % 3 == 0 ? "mail" : "default"
                expected.append((at, id, queue))
                events += try completedJob(id, at: at, queue: queue, type: index % 2 == 0 ? "even" : "odd")
            }
            try await store.record(events)
            let newestFirst = expected.sorted { ($0.at, $0.id) > ($1.at, $1.id) }

            let all = try await pages(store, try JobQuery(limit: 4))
            #expect(all == newestFirst.map(\.id))
            let mail = try await pages(store, try JobQuery(queue: QueueName("mail"), limit: 3))
            #expect(mail == newestFirst.filter { $0.queue == "mail" }.map(\.id))
            let exact = try await pages(store, try JobQuery(queue: QueueName("mail"), limit: 10))
            #expect(exact.count == 10)
        }
    }

    @Test func filtersNarrowByStateTypeAndCreationTime() async throws {
        try await TestDatabase.withSchema { client in
            let store = HistoryStore(client: client)
            let done = JobID.generate()
            let waiting = JobID.generate()
            try await store.record(try completedJob(done, at: t0, type: "a"))
            try await store.record([try event(waiting, 1, .enqueued, .pending, at: t0 + 5_000, type: "b", payload: "{}")])

            let completed = try await store.search(try JobQuery(state: .completed))
            #expect(completed.jobs.map(\.id) == [done] && completed.nextCursor == nil)
            #expect(try await store.search(try JobQuery(type: JobType("b"))).jobs.map(\.id) == [waiting])
            #expect(try await store.search(try JobQuery(createdAfterMs: t0 + 1)).jobs.map(\.id) == [waiting])
            #expect(try await store.search(try JobQuery(createdBeforeMs: t0 + 1)).jobs.map(\.id) == [done])
            #expect(try await store.search(try JobQuery(queue: QueueName("other"))).jobs.isEmpty)
        }
    }

    @Test func malformedCursorIsRejectedNamingCursor() throws {
        for bad in ["not a cursor!", "", "Zm9vOmJhcg", JobCursor(createdAtMicros: 1, id: .generate()).description + "x"] {
            #expect(throws: ValidationError.self) { try JobQuery(cursor: bad) }
            do {
                _ = try JobQuery(cursor: bad)
            } catch {
                #expect(error.field == "cursor")
            }
        }
        let cursor = JobCursor(createdAtMicros: 1_700_000_000_123_456, id: .generate())
        #expect(try JobQuery(cursor: cursor.description).cursor == cursor)
        #expect(throws: ValidationError(field: "limit", reason: "must be between 1 and 1000")) {
            try JobQuery(limit: 1001)
        }
    }

    /// Follows `nextCursor` to the end and returns every id in page order.
    private func pages(_ store: HistoryStore, _ first: JobQuery) async throws -> [JobID] {
        var query = first
        var ids: [JobID] = []
        while true {
            let page = try await store.search(query)
            #expect(page.jobs.count <= first.limit)
            ids += page.jobs.map(\.id)
            guard let next = page.nextCursor else { return ids }
            query = try JobQuery(queue: first.queue, state: first.state, type: first.type, limit: first.limit, cursor: next)
        }
    }
}
