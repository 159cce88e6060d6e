import ForgeCore
import ForgeObservability
import Hummingbird
import NIOCore

/// `/livez`, `/readyz` and `/metrics`, open (no token) so orchestrators and Prometheus reach them.
public enum Probes {
    public static func add<Context: RequestContext>(to router: Router<Context>, readiness: Readiness, metrics: ForgeMetrics) {
        router.get("livez") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
        }
        router.get("readyz") { _, _ in
            let (ready, results) = await readiness.evaluate()
            return Response(
                status: ready ? .ok : .serviceUnavailable,
                headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: readinessBody(ready: ready, checks: results)))
            )
        }
        // One per router (and so per registry in practice): its CPU counter is cumulative.
        let process = ProcessMetrics(registry: metrics.registry)
        router.get("metrics") { _, _ in
            // Process metrics are read at scrape time so each scrape sees current CPU/RSS/fds.
            process.refresh()
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.render()))
            )
        }
    }

    /// `{"checks":{…},"status":…}`, keys sorted.
    static func readinessBody(ready: Bool, checks: [String: Bool]) -> [UInt8] {
        var json = JSONWriter(capacity: 128)
        json.beginObject()
        json.key("checks")
        json.beginObject()
        for name in checks.keys.sorted() {
            json.key(name)
            json.bool(checks[name]!)
        }
        json.endObject()
        json.key("status")
        json.string(ready ? "ready" : "unavailable")
        json.endObject()
        return json.bytes
    }
}
