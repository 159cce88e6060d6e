import ForgeCore
import ForgeRedis
import Logging

/// The jobs of one enqueue request and, under an `Idempotency-Key`, the claim they go in under.
struct ClaimedJobs {
    /// As built from the request when the key is new or absent, with the first request's ids for
    /// a repeat.
    var jobs: [NewJob]
    var key: IdempotencyKey?
    /// Whether this request made the claim (the key was new): only its maker may give it back.
    var ownsClaim: Bool
}

extension JobRoutes {
    /// Claims the request's key for `jobs` (their ids are recorded), or takes the first request's
    /// ids when the key was used before with the same body. Either way the jobs are then enqueued
    /// by id: the enqueue script never creates an id twice and keeps an `idem:<id>` marker for the
    /// key's window, so a repeat, concurrent or long after the job finished, answers as the first
    /// request did and runs nothing again.
    ///
    /// - Throws: a 422 naming `Idempotency-Key` when the key was used with another body.
    func claim(_ key: IdempotencyKey?, for jobs: [NewJob]) async throws -> ClaimedJobs {
        guard let key else { return ClaimedJobs(jobs: jobs, key: nil, ownsClaim: false) }
        let claim = try await dependencies.queues.claimIdempotencyKey(
            key.digest,
            fingerprint: key.fingerprint,
            ids: jobs.map(\.id),
            windowMs: configuration.idempotencyWindowMs
        )
        switch claim {
        case .claimed:
            return ClaimedJobs(jobs: jobs, key: key, ownsClaim: true)
        case .earlier(let fingerprint, let ids):
            guard fingerprint == key.fingerprint, ids.count == jobs.count else { throw IdempotencyKey.reused() }
            var repeated = jobs
            for index in repeated.indices { repeated[index].id = ids[index] }
            return ClaimedJobs(jobs: repeated, key: key, ownsClaim: false)
        }
    }

    /// How long the enqueue script keeps the jobs' `idem:<id>` markers: the key's window, or none
    /// without a key.
    func markerWindow(_ claimed: ClaimedJobs) -> Int64? {
        claimed.key == nil ? nil : configuration.idempotencyWindowMs
    }

    /// Gives the key back when the request created nothing because every queue refused it
    /// (back-pressure, queue limit), so the client may send another request under it. Any other
    /// failure (Redis unreachable) leaves the outcome unknown, so the claim stays and a repeat
    /// enqueues the same ids.
    func releaseClaim(_ claimed: ClaimedJobs, refusedBy errors: [any Error]) async {
        guard claimed.ownsClaim, let key = claimed.key, !errors.isEmpty, errors.allSatisfy({ $0 is QueueError }) else { return }
        do {
            try await dependencies.queues.releaseIdempotencyKey(key.digest, fingerprint: key.fingerprint, ids: claimed.jobs.map(\.id))
        } catch {
            dependencies.logger.warning(
                "could not free an Idempotency-Key after a refused request; it expires by itself",
                metadata: ["error": "\(error)"]
            )
        }
    }
}
