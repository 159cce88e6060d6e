import ForgeGateway
import ForgeRedis
import Foundation
import Testing

@Suite struct AuthTests {
    @Test func missingOrWrongTokenIs401AndTheRightOneIsAccepted() async throws {
        try await TestGateway.with { gateway in
            let missing = try await gateway.http.get("/v1/queues", token: .some(nil))
            #expect(missing.status == 401)
            #expect(missing.header("WWW-Authenticate") == "Bearer")
            #expect(missing.header("Content-Type") == "application/problem+json")

            let wrong = try await gateway.http.get("/v1/queues", token: "test-token-2")
            #expect(wrong.status == 401)
            #expect(wrong.header("WWW-Authenticate") == "Bearer")

            let prefix = try await gateway.http.get("/v1/queues", token: "test-token")
            #expect(prefix.status == 401)

            #expect(try await gateway.http.get("/v1/queues").status == 200)
            #expect(try await gateway.http.get("/v1/queues", token: "other-token").status == 200)

            let refused = try await gateway.http.send("POST", "/v1/jobs", json: ["type": "a", "queue": "v"], token: .some(nil))
            #expect(refused.status == 401)
            #expect(try await gateway.counts("v").pending == 0)
        }
    }

    @Test func probesMetricsAndTheOpenAPIDocumentNeedNoToken() async throws {
        try await TestGateway.with { gateway in
            for path in ["/livez", "/readyz", "/metrics", "/openapi.yaml"] {
                let reply = try await gateway.http.get(path, token: .some(nil))
                #expect(reply.status == 200, "\(path)")
            }
        }
    }

    @Test func authOffAcceptsRequestsWithoutAToken() async throws {
        try await TestGateway.with(configure: .set { $0.authEnabled = false }) { gateway in
            let reply = try await gateway.http.get("/v1/queues", token: .some(nil))
            #expect(reply.status == 200)
        }
    }

    @Test func openAPIDocumentIsVersion31AndNamesEveryRoute() async throws {
        try await TestGateway.with { gateway in
            let reply = try await gateway.http.get("/openapi.yaml", token: .some(nil))
            #expect(reply.header("Content-Type")?.hasPrefix("application/yaml") == true)
            let lines = reply.text.split(separator: "\n").map(String.init)
            #expect(lines.first?.range(of: #"^openapi: 3\.1\.\d+$"#, options: .regularExpression) != nil)
            for path in [
                "/v1/jobs:", "/v1/jobs/batch:", "/v1/jobs/{id}:", "/v1/queues:", "/v1/queues/{queue}:",
                "/v1/queues/{queue}/pause:", "/v1/queues/{queue}/resume:", "/v1/dlq:", "/v1/dlq/{id}/retry:",
                "/v1/dlq/{id}:", "/v1/schedules:", "/v1/schedules/{name}:",
            ] {
                #expect(lines.contains("  \(path)"), "\(path)")
            }
            #expect(reply.text.contains("bearerAuth"))
            #expect(reply.text.contains("application/problem+json"))
        }
    }
}
