import ForgeCore
import ForgePostgres
import Logging

/// `FORGE_DURABILITY=postgres`: a job's history row is committed before Redis sees the job, so
/// the 201 promises a job that survives losing Redis (``JobRecovery`` rebuilds it from the row).
extension JobRoutes {
    /// Commits the rows of `jobs` (shared commits with concurrent requests); a no-op in `redis` mode.
    func persistBeforeRedis(_ jobs: [NewJob]) async throws {
        try await dependencies.acceptedJobs?.record(jobs)
    }

    /// Drops the rows of jobs Redis did not create (refused, or a unique key's holder answered
    /// instead), so a recovery cannot bring back a job the caller was told does not exist.
    /// Best effort: a row left behind is a job the caller may see run after a refusal.
    func forgetUncreated(_ ids: [JobID]) async {
        guard dependencies.acceptedJobs != nil, !ids.isEmpty else { return }
        do {
            try await dependencies.history.forgetAccepted(ids)
        } catch {
            dependencies.logger.warning(
                "could not drop the history rows of jobs Redis refused",
                metadata: ["jobs": "\(ids.count)", "error": "\(error)"]
            )
        }
    }
}
