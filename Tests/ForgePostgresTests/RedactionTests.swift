import ForgePostgres
import Foundation
import Testing

/// No Postgres password reaches a log line or an error message, wherever the URL carries it
/// (issue 17, item 10: `?password=` in `FORGE_POSTGRES_URL` was printed verbatim).
@Suite struct RedactionTests {
    static let secret = "hunter2-secret"

    @Test(arguments: [
        "postgres://forge:\(secret)@127.0.0.1:5432/forge",
        "postgres://forge@127.0.0.1:5432/forge?password=\(secret)",
        "postgres://forge@127.0.0.1:5432/forge?sslmode=prefer&PassWord=\(secret)&application_name=x",
        "postgres://forge@127.0.0.1/forge?pass%77ord=\(secret)",
        "postgres://forge@127.0.0.1/forge?sslpassword=\(secret)",
        "postgresql://forge:\(secret)@db1:5432,db2:5432/forge?target_session_attrs=read-write",
        "postgres://forge:\(secret)@[::1/forge",
        "postgres://forge:\(secret)@127.0.0.1:5432/forge#fragment",
    ])
    func redactedURLHidesEveryPassword(url: String) throws {
        let redacted = try PostgresConfiguration(url: url).redactedURL
        #expect(!redacted.contains(Self.secret), "\(redacted)")
    }

    @Test func redactedURLKeepsWhatHelpsFindTheServer() throws {
        let url = "postgres://forge:\(Self.secret)@db1:5432,db2:5433/forge?sslmode=require&password=x"
        #expect(try PostgresConfiguration(url: url).redactedURL == "postgres://forge:***@db1:5432,db2:5433/forge?sslmode=require&password=***")
        #expect(try PostgresConfiguration(url: "postgres://forge@127.0.0.1/forge").redactedURL == "postgres://forge@127.0.0.1/forge")
    }

    /// The message readiness and the scheduler log when Postgres cannot be reached.
    @Test func aFailedConnectionDoesNotPrintThePassword() async throws {
        let client = PostgresClient(
            configuration: try PostgresConfiguration(url: "postgres://forge@127.0.0.1:1/forge?password=\(Self.secret)", poolSize: 1)
        )
        do {
            try await client.query("SELECT 1")
            Issue.record("connected to a closed port")
        } catch {
            #expect(!"\(error)".contains(Self.secret), "\(error)")
            #expect("\(error)".contains("127.0.0.1"))
        }
        await client.shutdown()
    }
}
