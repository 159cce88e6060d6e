import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Synchronization

/// Reads only what forge-load needs from an answer: the status, and for batches the body, to
/// count the items the gateway refused. Called on the connection's event loop.
final class OutcomeDelegate: HTTPClientResponseDelegate {
    typealias Response = RequestOutcome

    private struct State {
        var status: UInt = 0
        var body: ByteBuffer?
    }

    private let jobs: Int
    private let state = Mutex(State())

    init(jobs: Int) { self.jobs = jobs }

    func didReceiveHead(task: HTTPClient.Task<RequestOutcome>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        state.withLock { $0.status = head.status.code }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<RequestOutcome>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        // Single-job answers are `{id, state}`: nothing to count, so nothing to keep.
        if jobs > 1 {
            state.withLock { state in
                var part = buffer
                if state.body == nil { state.body = part } else { state.body!.writeBuffer(&part) }
            }
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didFinishRequest(task: HTTPClient.Task<RequestOutcome>) throws -> RequestOutcome {
        state.withLock { state in
            guard (200..<300).contains(state.status) else { return .failed(.status(Int(state.status))) }
            let refused = state.body.map(EnqueueClient.refusedItems) ?? 0
            return .accepted(jobs: jobs - refused, refused: refused)
        }
    }
}
