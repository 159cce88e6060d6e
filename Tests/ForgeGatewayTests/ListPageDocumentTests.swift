import ForgeCore
import ForgeGateway
import ForgePostgres
import Foundation
import Testing

/// The document states how list pages are bounded and continued, as the code does it.
@Suite struct ListPageDocumentTests {
    static let listOperations = ["paths./v1/jobs.get", "paths./v1/dlq.get"]

    @Test func bothListsTakeTheOneCursorGrammar() throws {
        let document = try DocumentBoundsTests.document()
        #expect(JobCursor.pattern == PageCursor.pattern)
        for path in Self.listOperations {
            let parameters = try #require(try DocumentBoundsTests.node(path, in: document)["parameters"] as? [[String: Any]])
            let cursor = try #require(parameters.first { $0["name"] as? String == "cursor" }, "\(path)")
            #expect((cursor["schema"] as? [String: Any])?["pattern"] as? String == PageCursor.pattern, "\(path)")
        }
    }

    @Test func bothListsStateThePageBudgetAndItsDefault() throws {
        let document = try DocumentBoundsTests.document()
        let budget = "FORGE_MAX_PAGE_BYTES, default \(GatewayConfiguration.defaultMaxPageBytes >> 20) MiB"
        for path in Self.listOperations {
            let description = try #require(try DocumentBoundsTests.node(path, in: document)["description"] as? String, "\(path)")
            #expect(description.replacingOccurrences(of: "\n", with: " ").contains(budget), "\(path): \(description)")
        }
    }
}
