import ForgeCore
import ForgePostgres
import ForgeTestSupport
import Foundation
import Testing

/// A history page is bounded by bytes as well as by count, inside Postgres: a page stops before
/// the job that would take its payloads, results and errors past the budget, always holds one
/// job, and its cursor continues after the last job shown.
@Suite struct HistorySearchPageBytesTests {
    /// Every page of `query`, following the cursor.
    static func pages(_ store: HistoryStore, _ query: JobQuery) async throws -> [[JobID]] {
        var pages: [[JobID]] = []
        var query = query
        while true {
            let page = try await store.search(query)
            pages.append(page.jobs.map(\.id))
            guard let next = page.nextCursor else { return pages }
            query.cursor = try JobCursor(next)
            try #require(pages.count < 100, "the cursor never ends")
        }
    }

    /// Records one pending job per payload size, a second apart, oldest first; returns their ids.
    static func record(_ store: HistoryStore, payloadSizes: [Int]) async throws -> [JobID] {
        var ids: [JobID] = []
        for (index, size) in payloadSizes.enumerated() {
            let id = JobID.generate()
            // Repetitive text compresses to a few dozen stored bytes: only its text length may count.
            let payload = "\"" + String(repeating: "a", count: size - 2) + "\""
            try await store.record([
                try event(id, 1, .enqueued, .pending, at: 1_700_000_000_000 + Int64(index) * 1000, type: "t", payload: payload)
            ])
            ids.append(id)
        }
        return ids
    }

    @Test func aPageStopsBeforeTheJobThatWouldPassTheBudget() async throws {
        try await TestDatabase.withSchema { client in
            let store = HistoryStore(client: client)
            // A job weighs its payload plus "[]" (no errors yet): 3 002 bytes, and one 20 002.
            let ids = try await Self.record(store, payloadSizes: [3_000, 3_000, 3_000, 3_000, 20_000, 3_000, 3_000])
            let pages = try await Self.pages(store, try JobQuery(limit: 50, maxBytes: 10_000))
            let newest = Array(ids.reversed())
            #expect(pages == [Array(newest[0...1]), [newest[2]], Array(newest[3...5]), [newest[6]]])
        }
    }

    @Test func theCountStillBoundsAPageWithinTheBudget() async throws {
        try await TestDatabase.withSchema { client in
            let store = HistoryStore(client: client)
            let ids = try await Self.record(store, payloadSizes: [100, 100, 100, 100, 100])
            let pages = try await Self.pages(store, try JobQuery(limit: 2, maxBytes: 1 << 20))
            let newest = Array(ids.reversed())
            #expect(pages == [Array(newest[0...1]), Array(newest[2...3]), [newest[4]]])
        }
    }

    @Test func resultsAndErrorsCountTowardsTheBudget() async throws {
        try await TestDatabase.withSchema { client in
            let store = HistoryStore(client: client)
            let result = "\"" + String(repeating: "r", count: 5_000) + "\""
            var ids: [JobID] = []
            for index in 0..<3 {
                let id = JobID.generate()
                let at = 1_700_000_000_000 + Int64(index) * 1000
                try await store.record([
                    try event(id, 1, .enqueued, .pending, at: at, type: "t", payload: "1"),
                    try event(id, 2, .started, .active, at: at + 1, attempts: 1),
                    try event(id, 3, .retried, .retrying, at: at + 2, attempts: 1, error: String(repeating: "e", count: 5_000)),
                    try event(id, 4, .started, .active, at: at + 3, attempts: 2),
                    try event(id, 5, .completed, .completed, at: at + 4, result: result),
                ])
                ids.append(id)
            }
            // Each job carries over 10 000 bytes in its result and errors entry: 12 000 holds one.
            let pages = try await Self.pages(store, try JobQuery(limit: 50, maxBytes: 12_000))
            #expect(pages == ids.reversed().map { [$0] })
        }
    }
}
