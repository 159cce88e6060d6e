import ForgeCore
import ForgeRedis

extension JobRoutes {
    /// The jobs to enqueue for a request carrying `key`: as built when the key is new (its ids are
    /// recorded), with the first request's ids when the key was used before with the same body.
    /// `isRepeat` tells the caller to answer as the first request was answered.
    ///
    /// - Throws: a 422 naming `Idempotency-Key` when the key was used with another body.
    func claim(_ key: IdempotencyKey?, for jobs: [NewJob]) async throws -> (jobs: [NewJob], isRepeat: Bool) {
        guard let key else { return (jobs, false) }
        let claim = try await dependencies.queues.claimIdempotencyKey(
            key.digest, fingerprint: key.fingerprint, ids: jobs.map(\.id), windowMs: configuration.idempotencyWindowMs
        )
        switch claim {
        case .claimed:
            return (jobs, false)
        case .earlier(let fingerprint, let ids):
            guard fingerprint == key.fingerprint, ids.count == jobs.count else { throw IdempotencyKey.reused() }
            var repeated = jobs
            for index in repeated.indices { repeated[index].id = ids[index] }
            return (repeated, true)
        }
    }
}
