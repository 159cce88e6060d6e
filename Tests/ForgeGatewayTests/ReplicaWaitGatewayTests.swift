import ForgeRedis
import Testing

/// `FORGE_WAIT_REPLICAS` at the API: an enqueue no replica confirmed is a 503 naming the
/// shortfall and saying how to repeat it safely, for one job and for a batch.
@Suite struct ReplicaWaitGatewayTests {
    @Test func anEnqueueNoReplicaConfirmedIsA503NamingTheShortfall() async throws {
        // The test Redis has no replica: nothing can confirm.
        try await TestGateway.with(enqueueWait: ReplicaWait(replicas: 1, timeoutMs: 50)) { gateway in
            let single = try await gateway.http.send("POST", "/v1/jobs", body: #"{"type": "a", "queue": "waited"}"#)
            #expect(single.status == 503, "\(single.text)")
            #expect(single.json["type"] as? String == "urn:forge:problem:not-replicated")
            #expect(single.header("Retry-After") == "1")
            let detail = single.json["detail"] as? String ?? ""
            #expect(detail.contains("0 of 1 replicas") && detail.contains("Idempotency-Key"), "\(detail)")

            let batch = try await gateway.http.send(
                "POST",
                "/v1/jobs/batch",
                body: #"{"jobs": [{"type": "a", "queue": "waited"}, {"type": "b", "queue": "waited"}]}"#
            )
            #expect(batch.status == 503, "\(batch.text)")
            #expect(batch.json["type"] as? String == "urn:forge:problem:not-replicated")
        }
    }
}
