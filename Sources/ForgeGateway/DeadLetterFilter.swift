import ForgeCore
import ForgeRedis

/// Which dead letters of one queue a list, count or bulk action is about: all of them, or those
/// of one job type and/or whose last error contains a text (A–Z matching a–z).
struct DeadLetterFilter: Sendable, Hashable {
    var queue: QueueName
    var match: DeadLetterMatch

    /// Bytes of error text a filter may give: enough for any phrase worth searching for, and
    /// short enough that matching stays cheap in the scripts.
    static let errorBytes = 1...200

    init(queue: QueueName, match: DeadLetterMatch = .everything) {
        self.queue = queue
        self.match = match
    }

    /// The filter from request fields (query parameters, body fields or form fields), each error
    /// naming the field: `queue` (required), `type` (a job type) and `error`. An error text of
    /// more than 200 bytes is a 400 when it is also more than 200 characters (the document's
    /// `maxLength`, which counts characters), else a 422.
    init(queue: String?, type: String?, error: String?) throws(RequestError) {
        do throws(ValidationError) {
            guard let queue else { throw ValidationError(field: "queue", reason: "is required") }
            self.queue = try QueueName(queue)
            match = DeadLetterMatch(type: try type.map { (text: String) throws(ValidationError) in try JobType(text) }, errorText: error)
        } catch {
            throw .invalid(error)
        }
        if let error, !Self.errorBytes.contains(error.utf8.count) {
            let refusal = ValidationError(field: "error", reason: "must be 1 to \(Self.errorBytes.upperBound) bytes long")
            throw error.isEmpty || error.unicodeScalars.count > Self.errorBytes.upperBound ? .invalid(refusal) : .unprocessable(refusal)
        }
    }
}

/// What a bulk action does to the dead letters it takes.
enum DeadLetterAction: String, Sendable, Hashable {
    /// Back to pending with fresh attempts, as `POST /v1/dlq/{id}/retry` does.
    case retry
    /// Gone from Redis (history keeps them), as `DELETE /v1/dlq/{id}` does.
    case delete

    /// The answer's field for how many it acted on: `retried` or `deleted`.
    var pastTense: String {
        switch self {
        case .retry: "retried"
        case .delete: "deleted"
        }
    }
}

/// The dead letters a bulk action takes: named ones, or every one a filter takes.
enum DeadLetterSelection: Sendable, Hashable {
    /// These ids of the queue's dead letters, in this order; ids that are not (any longer) its
    /// dead letters are skipped.
    case ids(QueueName, [JobID])
    /// Every dead letter the filter takes, latest death first.
    case matching(DeadLetterFilter)

    var queue: QueueName {
        switch self {
        case .ids(let queue, _): queue
        case .matching(let filter): filter.queue
        }
    }
}

/// What a bulk action did.
struct BulkOutcome: Sendable, Hashable {
    var queue: QueueName
    /// Dead letters it took (within the limit).
    var matched: Int
    /// Those it retried or deleted: fewer than `matched` when some left the dead set meanwhile
    /// (retried or deleted by someone else).
    var acted: Int
    /// Dead letters the selection takes remain past the limit (or past the scan bound, unexamined):
    /// repeat the request for them.
    var more: Bool
}
