import ForgeCore
import ForgeRedis
import Hummingbird

extension JobRoutes {
    /// `POST /v1/jobs/batch`: the batch is validated as a whole (one invalid item refuses it,
    /// naming every bad item, and nothing is enqueued); then every item is enqueued in one
    /// `QueueStore.enqueueEach` call (one Redis round trip), and a queue refusing its items
    /// (back-pressure) fails only those, reported in place. The status is 200
    /// whenever something was enqueued. An `Idempotency-Key` covers the whole batch
    /// (``claim(_:for:)``): a repeat gets the same jobs, in the same order.
    func batch(_ request: Request) async throws -> Response {
        var reader = try await RequestBody.object(request, limit: configuration.maxBodyBytes)
        let key = try IdempotencyKey(request, endpoint: "POST /v1/jobs/batch", body: reader.tape.bytes)
        guard let items = try reader.array("jobs") else { throw ValidationError(field: "jobs", reason: "is required") }
        try reader.finish()
        guard (1...configuration.maxBatchSize).contains(items.count) else {
            throw ValidationError(field: "jobs", reason: "must hold 1 to \(configuration.maxBatchSize) jobs")
        }
        var jobs: [NewJob] = []
        jobs.reserveCapacity(items.count)
        var refused: [RequestError] = []
        for (index, item) in items.enumerated() {
            let path = "jobs[\(index)]"
            guard reader.tape.nodes[item].kind == .object else {
                refused.append(.invalid(ValidationError(field: path, reason: "must be an object")))
                continue
            }
            let itemReader: ObjectReader
            do {
                itemReader = try ObjectReader(tape: reader.tape, index: item, path: path)
            } catch {
                refused.append(.invalid(error))
                continue
            }
            do {
                jobs.append(try JobRequest.newJob(from: itemReader, limits: configuration.jobLimits))
            } catch {
                refused.append(error)
            }
        }
        if !refused.isEmpty { throw Problem.batchRefusal(of: refused, items: items.count, noun: "jobs", outcome: "none enqueued") }
        let claimed = try await claim(key, for: jobs)
        jobs = claimed.jobs
        try await persistBeforeRedis(jobs)
        let written = try await dependencies.queues.enqueueEach(
            jobs,
            maxQueues: configuration.maxQueues,
            idempotencyWindowMs: markerWindow(claimed)
        )
        // Nothing was written (e.g. every queue refuses under back-pressure): the request failed.
        let failures = written.compactMap { if case .failure(let error) = $0 { error } else { nil } }
        // Rows of jobs Redis did not create: refused, or a unique key's holder answered instead.
        let uncreated = zip(jobs, written).compactMap { job, outcome -> JobID? in
            if case .success(let result) = outcome, result.id == job.id { return nil }
            return job.id
        }
        await forgetUncreated(uncreated)
        if failures.count == written.count, let error = failures.first {
            await releaseClaim(claimed, refusedBy: failures)
            throw error
        }
        var results: [BatchItemView] = []
        results.reserveCapacity(jobs.count)
        for (job, outcome) in zip(jobs, written) {
            switch outcome {
            case .success(let result):
                if result.created { countEnqueued(job) }
                var answered = await withState(result)
                // Created when the job this request proposed exists (see `enqueue`); a repeat
                // answers as the first request did.
                answered.created = result.id == job.id
                results.append(.enqueued(answered))
            case .failure(let error):
                // Another queue's chunk of the same batch may have been written: per item.
                results.append(.refused(problem(for: error)))
            }
        }
        return JSONResponse.make(BatchView(results: results).written())
    }
}

/// `{"results": [...]}` of a batch enqueue, in request order.
struct BatchView {
    var results: [BatchItemView]

    func written() -> JSONWriter {
        var writer = JSONWriter(capacity: 64 + results.count * 80)
        writer.beginObject()
        writer.array("results", results) { $0.write(to: &$1) }
        writer.endObject()
        return writer
    }
}

/// One batch result: `{created, id, state}` or `{error: problem}`.
enum BatchItemView {
    case enqueued(EnqueueResult)
    case refused(Problem)

    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        switch self {
        case .enqueued(let result):
            writer.key("created")
            writer.bool(result.created)
            writer.key("id")
            writer.string(result.id.rawValue)
            writer.key("state")
            writer.string(result.state?.rawValue)
        case .refused(let problem):
            writer.key("error")
            problem.write(to: &writer)
        }
        writer.endObject()
    }
}
