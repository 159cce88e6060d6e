import ForgeCore
import ForgeTestSupport
import Foundation
import Testing

extension OneStackAtATime {
    /// `forge dlq list` shows one page and the `--cursor` that fetches the next, like `forge jobs`.
    @Suite struct CLIDeadLetterPageTests {
        @Test func dlqListShowsTheCursorOfTheNextPageAndFollowsIt() async throws {
            try await withStack(schedulers: [], workers: []) { stack in
                try await stack.withQueueStore { store in
                    let ids = try await DeadLetterFixture.make(store, queue: try QueueName("default"), count: 3, payloadBytes: 64)
                    let first = try await stack.cli(["dlq", "list", "--queue", "default", "--limit", "2"])
                    #expect(first.status == 0, "\(first.stderr)")
                    let hint = try #require(first.stderr.split(separator: "\n").first { $0.hasPrefix("more: forge dlq list") })
                    let cursor = try #require(hint.split(separator: " ").last.map(String.init))
                    let rest = try await stack.cli(["dlq", "list", "--queue", "default", "--limit", "2", "--cursor", cursor, "--json"])
                    #expect(rest.status == 0, "\(rest.stderr)")
                    let shown = first.stdout + ((rest.json["jobs"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }.joined()
                    #expect(ids.allSatisfy { shown.contains($0.rawValue) }, "\(first.stdout)\n\(rest.stdout)")
                    #expect(rest.json["next_cursor"] is NSNull)
                }
            }
        }
    }
}
