import ForgeCore
import Hummingbird

extension DeadLetterRoutes {
    /// `POST /v1/dlq/retry` and `POST /v1/dlq/delete`: `{queue, ids}` (named dead letters) or
    /// `{queue, type?, error?}` (every one the filter takes), with an optional `limit`; 200
    /// `{queue, matched, retried|deleted, more}` (``DeadLetters/bulk(_:_:limit:)``).
    func bulk(_ action: DeadLetterAction, _ request: Request) async throws -> Response {
        var reader = try await RequestBody.object(request, limit: configuration.maxBodyBytes)
        let (selection, limit) = try Self.selection(&reader)
        let outcome = try await deadLetters.bulk(action, selection, limit: limit)
        var writer = JSONWriter(capacity: 128)
        writer.beginObject()
        writer.key(action.pastTense)
        writer.int(outcome.acted)
        writer.key("matched")
        writer.int(outcome.matched)
        writer.key("more")
        writer.bool(outcome.more)
        writer.key("queue")
        writer.string(outcome.queue.rawValue)
        writer.endObject()
        return JSONResponse.make(writer)
    }

    /// The selection and limit of a bulk body, each refusal naming its field.
    static func selection(_ reader: inout ObjectReader) throws(RequestError) -> (DeadLetterSelection, limit: Int) {
        let queue: String?
        let nodes: [Int]?
        let type: String?
        let error: String?
        let limit: Int
        do throws(ValidationError) {
            queue = try reader.string("queue")
            nodes = try reader.array("ids")
            type = try reader.string("type")
            error = try reader.string("error")
            limit = try reader.int("limit", in: 1...DeadLetters.maxBulkLimit) ?? DeadLetters.maxBulkLimit
            try reader.finish()
        } catch {
            throw .invalid(error)
        }
        let filter = try DeadLetterFilter(queue: queue, type: type, error: error)
        guard let nodes else { return (.matching(filter), limit) }
        guard type == nil, error == nil else {
            throw .invalid(reader.invalid("ids", "cannot be given with type or error: name the dead letters or filter them, not both"))
        }
        guard (1...DeadLetters.maxSelection).contains(nodes.count) else {
            throw .invalid(reader.invalid("ids", "must hold 1 to \(DeadLetters.maxSelection) job ids"))
        }
        var ids: [JobID] = []
        ids.reserveCapacity(nodes.count)
        for (index, node) in nodes.enumerated() {
            let field = "ids[\(index)]"
            guard reader.tape.nodes[node].kind == .string, let id = try? JobID(reader.tape.string(node)) else {
                throw .invalid(ValidationError(field: field, reason: "must be a job id (a UUID such as 0190b6a4-7c1e-7cc3-9a1e-3f0c2b9d4e5f)"))
            }
            ids.append(id)
        }
        return (.ids(filter.queue, ids), limit)
    }
}
