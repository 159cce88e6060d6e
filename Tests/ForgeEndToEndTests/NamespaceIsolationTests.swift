import ForgePostgres
import Foundation
import Testing

extension OneStackAtATime {
    /// Two installations on one Redis and one Postgres database, told apart only by
    /// `FORGE_NAMESPACE`: neither sees the other's jobs, live or archived.
    @Suite struct NamespaceIsolationTests {
        @Test func installationsSharingRedisAndADatabaseCannotSeeEachOthersJobs() async throws {
            try await withStack(workers: []) { first in
                try await withStack(workers: []) { second in
                    let firstID = try await first.enqueue(["type": "noop", "queue": "shared"])
                    let secondID = try await second.enqueue(["type": "noop", "queue": "shared"])
                    // Each scheduler archives its own installation's events.
                    try await archived(firstID, in: first)
                    try await archived(secondID, in: second)

                    for (stack, own, foreign) in [(first, firstID, secondID), (second, secondID, firstID)] {
                        let found = try await searchIDs(stack, "/v1/jobs?queue=shared")
                        #expect(found == [own], "search in \(stack.namespace) found \(found)")
                        #expect(try await searchIDs(stack, "/v1/jobs") == [own])
                        #expect(try await stack.request("GET", "/v1/jobs/\(foreign)").status == 404)
                        #expect(try await stack.request("POST", "/v1/jobs/\(foreign)/cancel").status == 404)
                        #expect(try await stack.request("GET", "/v1/jobs/\(own)").status == 200)
                    }
                    // History sits in one schema per namespace, and nowhere else.
                    for (stack, id) in [(first, firstID), (second, secondID)] {
                        let client = PostgresClient(
                            configuration: try PostgresConfiguration(url: ForgeStack.postgresURL, poolSize: 1, schema: stack.namespace)
                        )
                        let rows = try await client.query("SELECT id::text FROM jobs")
                        await client.shutdown()
                        #expect(rows.rows.map { $0[0] } == [id])
                    }
                }
            }
        }

        /// Waits until the job shows up in its own installation's history search.
        private func archived(_ id: String, in stack: ForgeStack) async throws {
            try await stack.waitUntil("job \(id) archived", timeout: 20) {
                try await searchIDs(stack, "/v1/jobs?queue=shared").contains(id)
            }
        }

        private func searchIDs(_ stack: ForgeStack, _ path: String) async throws -> [String] {
            let reply = try await stack.request("GET", path)
            #expect(reply.status == 200, "\(String(decoding: reply.body, as: UTF8.self))")
            return (reply.json["jobs"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        }
    }
}
