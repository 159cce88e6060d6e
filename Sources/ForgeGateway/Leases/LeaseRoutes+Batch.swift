import ForgeCore
import ForgeRedis
import Hummingbird

extension LeaseRoutes {
    /// One item of a batch: its job, its lease (`nil` for a token never issued: refused as stale
    /// without asking Redis), and its result when acked.
    struct Item {
        var id: JobID
        var lease: RemoteLease?
        var result: String?
    }

    /// `POST /v1/jobs/ack {acks: [{id, token, result}]}`: 200 `{results: [...]}` in request
    /// order, a stale lease refused in its place (409 problem) and the others completed.
    /// Validated as a whole first, like a batch enqueue: one malformed item refuses the request.
    func ackBatch(_ request: Request) async throws -> Response {
        var reader = try await RequestBody.object(request, limit: configuration.maxBodyBytes)
        let items = try self.items(&reader, "acks", withResult: true)
        try reader.finish()
        let acked = try await perQueue(items) { queue, items async throws -> [(done: Bool, repeated: Bool)] in
            let completions = items.map { Completion(id: $0.id, token: $0.lease?.token ?? LeaseToken(""), result: $0.result) }
            let outcome = try await dependencies.queues.complete(queue: queue, completions)
            return Array(zip(outcome.completed, outcome.repeated))
        }
        let results = zip(items, acked).map { item, ack -> LeaseAnswer in
            guard ack?.done == true, let lease = item.lease else {
                if let lease = item.lease { metrics.lost(lease) }
                return .refused(item.id, .staleLease(item.id))
            }
            if ack?.repeated != true { metrics.completed(lease) }
            return .completed(item.id)
        }
        return JSONResponse.make(LeaseAnswersView(results: results).written())
    }

    /// `POST /v1/jobs/heartbeat {leases: [{id, token}], extend_ms}`: 200 `{results: [...]}` in
    /// request order, each as the single heartbeat answers, a stale lease refused in its place.
    func heartbeatBatch(_ request: Request) async throws -> Response {
        var reader = try await RequestBody.object(request, limit: configuration.maxBodyBytes)
        let items = try self.items(&reader, "leases", withResult: false)
        let extendMs = try Self.milliseconds(&reader, "extend_ms", in: LeasedJob.visibilityMsRange) ?? Self.defaultVisibilityMs
        try reader.finish()
        let extended = try await perQueue(items) { queue, items async throws -> [ExtendOutcome] in
            try await dependencies.queues.extend(
                queue: queue,
                items.map { LeaseRef(id: $0.id, token: $0.lease?.token ?? LeaseToken("")) },
                visibilityMs: extendMs
            )
        }
        let results = zip(items, extended).map { item, outcome -> LeaseAnswer in
            guard let outcome, outcome != .stale else { return .refused(item.id, .staleLease(item.id)) }
            return .heartbeat(item.id, outcome)
        }
        return JSONResponse.make(LeaseAnswersView(results: results).written())
    }

    /// The items of the array `key`: 1 to ``GatewayConfiguration/maxBatchSize`` objects of
    /// `{id, token}` (and `result` when acked); every invalid item is named in one refusal.
    private func items(_ reader: inout ObjectReader, _ key: String, withResult: Bool) throws -> [Item] {
        guard let nodes = try reader.array(key) else { throw ValidationError(field: key, reason: "is required") }
        guard (1...configuration.maxBatchSize).contains(nodes.count) else {
            throw ValidationError(field: key, reason: "must hold 1 to \(configuration.maxBatchSize) items")
        }
        var items: [Item] = []
        items.reserveCapacity(nodes.count)
        var refused: [RequestError] = []
        for (index, node) in nodes.enumerated() {
            let path = "\(key)[\(index)]"
            do throws(RequestError) {
                guard reader.tape.nodes[node].kind == .object else { throw .invalid(ValidationError(field: path, reason: "must be an object")) }
                var item: ObjectReader
                do { item = try ObjectReader(tape: reader.tape, index: node, path: path) } catch { throw .invalid(error) }
                do {
                    let idText = try item.requiredString("id")
                    let id: JobID
                    do { id = try JobID(idText) } catch { throw item.invalid("id", error.reason) }
                    let token = try Self.token(&item)
                    let result = withResult ? try Self.result(&item) : nil
                    try item.finish()
                    items.append(Item(id: id, lease: RemoteLease(text: token), result: result))
                } catch let error as RequestError {
                    throw error
                } catch let error as ValidationError {
                    throw .invalid(error)
                } catch {
                    throw .invalid(ValidationError(field: path, reason: "\(error)"))
                }
            } catch {
                refused.append(error)
            }
        }
        if !refused.isEmpty { throw Problem.batchRefusal(of: refused, items: nodes.count, noun: "items", outcome: "none acted on") }
        return items
    }

    /// Runs `act` once per queue of `items` (concurrently: one round trip each) and puts the
    /// answers back in request order. Items without a lease get the answer of a stale one
    /// (`false`, ``ExtendOutcome/stale``) without a call.
    private func perQueue<Answer: Sendable>(
        _ items: [Item],
        _ act: @escaping @Sendable (QueueName, [Item]) async throws -> [Answer]
    ) async throws -> [Answer?] {
        var byQueue: [QueueName: [Int]] = [:]
        for (index, item) in items.enumerated() {
            if let lease = item.lease { byQueue[lease.queue, default: []].append(index) }
        }
        var answers = [Answer?](repeating: nil, count: items.count)
        try await withThrowingTaskGroup(of: ([Int], [Answer]).self) { group in
            for (queue, indexes) in byQueue {
                let chosen = indexes.map { items[$0] }
                group.addTask { (indexes, try await act(queue, chosen)) }
            }
            for try await (indexes, replies) in group {
                for (index, reply) in zip(indexes, replies) { answers[index] = reply }
            }
        }
        return answers
    }
}
