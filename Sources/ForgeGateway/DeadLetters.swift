import ForgeCore
import ForgeObservability
import ForgePostgres
import ForgeRedis
import Logging
import Prometheus

/// The dead-letter operations behind `/v1/dlq` and the web UI's dead-letter pages, so both
/// validate, bound and answer alike: handlers only read requests and write answers.
///
/// Lists and counts read through ``GatewayDependencies/listQueues``, off the connections that
/// serve enqueues; retries and deletes go through ``GatewayDependencies/queues``.
struct DeadLetters: Sendable {
    let configuration: GatewayConfiguration
    let dependencies: GatewayDependencies

    /// Most dead letters a filtered count examines (``count(_:)``) and a bulk action walks past
    /// per request: a filter that takes almost nothing of a huge dead set still answers in about
    /// a second.
    static let scanCap = 100_000
    /// Most ids one bulk request names.
    static let maxSelection = 1_000
    /// Most dead letters one bulk request acts on, and its default.
    static let maxBulkLimit = 10_000
    /// Dead letters per script call of a bulk action: each call holds Redis for about a
    /// millisecond, so enqueues and leases go on between the calls of a large action.
    static let batchSize = 200

    /// One page of the filter's dead letters after `cursor`, latest death first: at most
    /// `limit` jobs within the page byte budget (``GatewayConfiguration/maxPageBytes``). A
    /// filtered page examines a bounded part of the dead set: it may hold fewer jobs than
    /// `limit` (even none) and still have a `nextCursor`; follow it until it is `nil`.
    func page(_ filter: DeadLetterFilter, limit: Int, cursor: PageCursor?) async throws -> JobPage {
        guard (1...configuration.maxListLimit).contains(limit) else {
            throw ValidationError(field: "limit", reason: "must be an integer from 1 to \(configuration.maxListLimit)")
        }
        return try await dependencies.listQueues.deadLetterPage(
            filter.queue,
            matching: filter.match,
            after: cursor,
            limit: limit,
            maxBytes: configuration.maxPageBytes
        )
    }

    /// How many dead letters the filter takes; `capped` when the queue holds more than
    /// ``scanCap`` dead letters and those past it were not examined (the count is then a lower
    /// bound). Unfiltered, the exact size of the queue's dead set.
    func count(_ filter: DeadLetterFilter) async throws -> (count: Int, capped: Bool) {
        try await dependencies.listQueues.deadLetterCount(filter.queue, matching: filter.match, cap: Self.scanCap)
    }

    /// Retries one dead letter (back to pending with fresh attempts), its history row restored
    /// first; `idText` as the caller gave it. 400 naming `id` for a malformed id, 404 when Redis
    /// has no such job, 409 when it is not a dead letter.
    ///
    /// Dead letters stay in Redis longer than history keeps finished jobs (180 against 14 days
    /// by default), so history may have let the job go: its row is written again from Redis
    /// first, for the new run's events to build on.
    @discardableResult
    func retryOne(_ idText: String) async throws -> JobID {
        let (id, queue) = try await locate(idText)
        if let record = try await dependencies.queues.job(id, queue: queue), record.state == .dead {
            await restoreHistory(record)
        }
        guard try await dependencies.queues.reviveDead(id, queue: queue) else {
            throw Problem.conflict("job \(id) is not in the dead-letter queue")
        }
        return id
    }

    /// Deletes one dead letter from Redis (history keeps it); errors as ``retryOne(_:)``.
    @discardableResult
    func removeOne(_ idText: String) async throws -> JobID {
        let (id, queue) = try await locate(idText)
        guard try await dependencies.queues.removeDead(id, queue: queue) else {
            throw Problem.conflict("job \(id) is not in the dead-letter queue")
        }
        return id
    }

    /// Best effort: with Postgres out of reach the retry still goes ahead (Redis holds the live
    /// job); history then shows the new run from its first event, as before.
    func restoreHistory(_ record: JobRecord) async {
        do {
            try await dependencies.history.restore(record)
        } catch {
            historyTrouble(error, job: record.id)
        }
    }

    func historyTrouble(_ error: any Error, job: JobID?) {
        dependencies.metrics.postgresErrors.increment()
        dependencies.logger.warning(
            "could not restore a revived dead letter's history row",
            metadata: ["job_id": "\(job.map(\.rawValue) ?? "several")", "error": "\(error)"]
        )
    }

    /// The id and the queue whose dead set may hold it; 404 when Redis has no such job.
    private func locate(_ idText: String) async throws -> (JobID, QueueName) {
        let id = try JobID(idText)
        guard let queue = try await dependencies.queues.locate(id) else {
            throw Problem.notFound("no dead letter with id \(id)")
        }
        return (id, queue)
    }
}
