import ForgeCore
import ForgePostgres
import Foundation
import Testing

/// A pagination cursor comes back from the caller: whatever it holds, the answer is a page or a
/// 400 naming `cursor`, never a 500 from Postgres.
@Suite struct CursorTests {
    static func base64url(_ text: String) -> String {
        Data(text.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    @Test func craftedCursorsAreA400NamingCursor() async throws {
        let id = JobID.generate().rawValue
        let crafted = [
            // The old encoding with microseconds at Int64.max overflowed Postgres' interval: a 500.
            Self.base64url("\(Int64.max):\(id)"),
            Self.base64url("-1:\(id)"),
            "\(Int64.max).\(id)",
            "9999999999999999999.\(id)",
            "-1.\(id)",
            "+1.\(id)",
            "01.\(id)",
            "1.\(id.uppercased())",
            "1.\(id)x",
            "1:\(id)",
            "1.\(id.replacingOccurrences(of: "-", with: ""))",
            "%00",
            "🙂.\(id)",
            "not a cursor",
            String(repeating: "9", count: 5000),
        ]
        try await TestGateway.with { gateway in
            for cursor in crafted {
                let encoded = cursor.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? cursor
                let reply = try await gateway.http.get("/v1/jobs?cursor=\(encoded)")
                #expect(reply.status == 400, "\(cursor): \(reply.text)")
                #expect(reply.json["field"] as? String == "cursor", "\(cursor): \(reply.text)")
            }
        }
    }

    /// Every cursor the grammar admits is a position Postgres can compare against, down to 0 and
    /// up to the largest one.
    @Test func everyWellFormedCursorIsAPage() async throws {
        try await TestGateway.with { gateway in
            for micros in [0, 1, 1_717_171_717_123_456, JobCursor.maxMicros] {
                let cursor = JobCursor(createdAtMicros: micros, id: .generate()).description
                #expect(cursor.range(of: JobCursor.pattern, options: .regularExpression) != nil, "\(cursor)")
                let reply = try await gateway.http.get("/v1/jobs?cursor=\(cursor)")
                #expect(reply.status == 200, "\(cursor): \(reply.text)")
            }
        }
    }
}
