import ForgeGateway
import ForgeObservability
import ForgePostgres
import ForgeRedis
import Foundation
import Hummingbird
import Logging
import Testing
import Yams

/// The OpenAPI document and the router describe the same API: every documented operation is
/// routed, every route is documented, and a known path asked with another method is a 405.
@Suite struct RouteTableTests {
    static let methods: Set<String> = ["get", "put", "post", "delete", "patch", "options", "head", "trace"]

    /// `(path, METHOD)` of every operation in the served document.
    static func documentedOperations() throws -> Set<String> {
        let text = String(decoding: OpenAPIDocument.bytes, as: UTF8.self)
        let document = try #require(try Yams.load(yaml: text) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: Any])
        var operations: Set<String> = []
        for (path, item) in paths {
            let item = try #require(item as? [String: Any], "\(path)")
            for method in item.keys where methods.contains(method) {
                operations.insert("\(method.uppercased()) \(path)")
            }
        }
        return operations
    }

    /// `(path, METHOD)` of every route the gateway serves (not counting its 405 answers).
    static func routedOperations() throws -> Set<String> {
        let redis = RedisClient(configuration: try RedisConfiguration(url: "redis://127.0.0.1:1", setting: "test"))
        let postgres = PostgresClient(
            configuration: try PostgresConfiguration(url: "postgres://forge@127.0.0.1:1/forge", schema: "unused")
        )
        let keys = KeySpace(namespace: "route-table")
        let dependencies = GatewayDependencies(
            queues: QueueStore(redis: redis, keys: keys),
            schedules: ScheduleStore(redis: redis, keys: keys),
            history: HistoryStore(client: postgres),
            readiness: Readiness(checks: []),
            metrics: ForgeMetrics(),
            logger: Logger(label: "test.routes")
        )
        let router = servedRoutes(configuration: GatewayConfiguration(apiTokens: ["route-table-token-1"]), dependencies: dependencies)
        return Set(router.routes.map { "\($0.method.rawValue) \($0.path.description)" })
    }

    @Test func everyDocumentedOperationIsRoutedAndEveryRouteDocumented() throws {
        let documented = try Self.documentedOperations()
        let routed = try Self.routedOperations()
        #expect(documented.subtracting(routed).isEmpty, "documented but not routed: \(documented.subtracting(routed).sorted())")
        #expect(routed.subtracting(documented).isEmpty, "routed but not documented: \(routed.subtracting(documented).sorted())")
        #expect(documented.count >= 18)
    }

    @Test func everyOperationHasAnOperationID() throws {
        let text = String(decoding: OpenAPIDocument.bytes, as: UTF8.self)
        let document = try #require(try Yams.load(yaml: text) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var seen: Set<String> = []
        for (path, item) in paths {
            for (method, operation) in item where Self.methods.contains(method) {
                let id = (operation as? [String: Any])?["operationId"] as? String
                #expect(id != nil, "\(method) \(path) has no operationId")
                if let id { #expect(seen.insert(id).inserted, "operationId \(id) is used twice") }
            }
        }
    }

    @Test func aKnownPathWithAnotherMethodIs405WithAllow() async throws {
        try await TestGateway.with { gateway in
            let cases: [(String, String, String)] = [
                ("PUT", "/v1/jobs", "GET, HEAD, POST, OPTIONS"),
                ("DELETE", "/v1/dlq/0190b6a4-7c1e-7cc3-9a1e-3f0c2b9d4e5f/retry", "POST, OPTIONS"),
                ("PATCH", "/v1/jobs/0190b6a4-7c1e-7cc3-9a1e-3f0c2b9d4e5f", "GET, HEAD, OPTIONS"),
                ("DELETE", "/v1/jobs/0190b6a4-7c1e-7cc3-9a1e-3f0c2b9d4e5f", "GET, HEAD, OPTIONS"),
                ("GET", "/v1/jobs/0190b6a4-7c1e-7cc3-9a1e-3f0c2b9d4e5f/cancel", "POST, OPTIONS"),
                ("DELETE", "/v1/queues", "GET, HEAD, OPTIONS"),
                ("GET", "/v1/queues/q/pause", "POST, OPTIONS"),
                ("POST", "/v1/schedules/s", "GET, HEAD, PUT, DELETE, OPTIONS"),
                ("PATCH", "/v1/dlq", "GET, HEAD, OPTIONS"),
                ("POST", "/metrics", "GET, HEAD, OPTIONS"),
                ("QUERY", "/v1/schedules", "GET, HEAD, OPTIONS"),
            ]
            for (method, path, allow) in cases {
                let reply = try await gateway.http.send(method, path)
                #expect(reply.status == 405, "\(method) \(path): \(reply.status) \(reply.text)")
                #expect(reply.header("Allow") == allow, "\(method) \(path)")
                #expect(reply.header("Content-Type") == "application/problem+json", "\(method) \(path)")
                #expect(reply.json["status"] as? Int == 405)
            }
            // An unknown path stays a 404.
            #expect(try await gateway.http.send("GET", "/v1/nothing-here").status == 404)
            // HEAD is answered wherever GET is: GET's status and headers, no body.
            for path in ["/v1/queues", "/livez", "/openapi.yaml"] {
                let head = try await gateway.http.send("HEAD", path)
                #expect(head.status == 200, "HEAD \(path): \(head.status)")
                #expect(head.body.isEmpty, "HEAD \(path)")
            }
            #expect(try await gateway.http.send("HEAD", "/v1/jobs/0190b6a4-7c1e-7cc3-9a1e-3f0c2b9d4e5f").status == 404)
            // OPTIONS: 204 with the same Allow list.
            let options = try await gateway.http.send("OPTIONS", "/v1/schedules/s")
            #expect(options.status == 204)
            #expect(options.header("Allow") == "GET, HEAD, PUT, DELETE, OPTIONS")
        }
    }
}
