import ForgeCore
import ForgeObservability
import ForgeRedis
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// `/ui/events`: the overview's numbers as server-sent events, every ``interval``, so an open
/// overview stays current without reloading or polling tables.
///
/// Bounded: at most ``maxStreams`` at once per gateway (past it a 503; the browser's EventSource
/// retries), each ends after ``lifetime`` (the browser reconnects at once) and when the gateway
/// starts draining, so a shutdown never waits for a watcher. Every stream reads the same shared
/// snapshot (``OverviewSampler``): a hundred watchers cost Redis what one does.
extension WebRoutes {
    static let streamInterval: Duration = .seconds(2)
    static let streamLifetime: Duration = .seconds(300)
    package static let maxStreams = 200

    func stream(_ request: Request) async -> Response {
        let selection: OverviewSelection
        do {
            _ = try await gate.page(request)
            selection = try OverviewSelection(request)
        } catch let refusal as WebGate.Refusal {
            var headers = WebPage.securityHeaders(contentType: "text/plain; charset=utf-8")
            let status: HTTPResponse.Status
            switch refusal {
            case .unavailable: status = .serviceUnavailable
            case .rateLimited(let wait, _):
                status = .tooManyRequests
                headers[.retryAfter] = String(wait)
            case .signIn, .forbidden: status = .unauthorized
            }
            return Response(status: status, headers: headers)
        } catch {
            return Response(status: .badRequest, headers: WebPage.securityHeaders(contentType: "text/plain; charset=utf-8"))
        }
        guard let slot = StreamSlot() else {
            var headers = WebPage.securityHeaders(contentType: "text/plain; charset=utf-8")
            headers[.retryAfter] = "5"
            return Response(status: .serviceUnavailable, headers: headers)
        }
        var headers = WebPage.securityHeaders(contentType: "text/event-stream")
        headers[.cacheControl] = "no-store"
        let overview = overview
        let readiness = dependencies.readiness
        return Response(
            status: .ok,
            headers: headers,
            body: ResponseBody { writer in
                // Held for as long as the body runs; a body that never runs (a HEAD, a client gone
                // before the head was written) frees its slot when it is dropped.
                try await Self.events(to: &writer, overview, selection, readiness)
                withExtendedLifetime(slot) {}
            }
        )
    }

    private static func events(
        to writer: inout any ResponseBodyWriter,
        _ overview: OverviewSampler,
        _ selection: OverviewSelection,
        _ readiness: Readiness
    ) async throws {
        let ends = ContinuousClock.now.advanced(by: Self.streamLifetime)
        try await writer.write(ByteBuffer(string: "retry: 3000\n\n"))
        while ContinuousClock.now < ends, !readiness.isDraining, !Task.isCancelled {
            if let event = try? await Self.overviewEvent(overview, selection) {
                try await writer.write(ByteBuffer(bytes: event))
            }
            try await Task.sleep(for: Self.streamInterval)
        }
        try await writer.finish(nil)
    }

    /// `event: overview` with `{queues: [{name, paused, cells: {field: text}}], workers, leader}`:
    /// the cells already formatted as the table shows them.
    static func overviewEvent(_ overview: OverviewSampler, _ selection: OverviewSelection) async throws -> [UInt8] {
        let snapshot = try await overview.current()
        let shown = selection.apply(snapshot.rows).rows
        let presence = try await overview.presence()
        var json = JSONWriter(capacity: 256 + shown.count * 200)
        json.beginObject()
        json.key("leader")
        json.string(presence.leader ?? "none: no scheduler holds the lock")
        json.key("queues")
        json.beginArray()
        for row in shown {
            json.beginObject()
            json.key("cells")
            json.beginObject()
            for (field, text) in overviewCells(row).sorted(by: { $0.key < $1.key }) {
                json.key(field)
                json.string(text)
            }
            json.endObject()
            json.key("name")
            json.string(row.status.name.rawValue)
            json.key("paused")
            json.bool(row.status.paused)
            json.endObject()
        }
        json.endArray()
        json.key("workers")
        json.string(WebFormat.count(presence.workers.count))
        json.endObject()
        return Array("event: overview\ndata: ".utf8) + json.bytes + Array("\n\n".utf8)
    }
}

/// One of the ``WebRoutes/maxStreams`` places for a live stream, given back when the last reference
/// goes: after the stream ends, or with the response if its body never runs.
package final class StreamSlot: Sendable {
    package static let open = Atomic<Int>(0)

    init?() {
        guard Self.open.add(1, ordering: .relaxed).newValue <= WebRoutes.maxStreams else {
            Self.open.subtract(1, ordering: .relaxed)
            return nil
        }
    }

    deinit { Self.open.subtract(1, ordering: .relaxed) }
}
