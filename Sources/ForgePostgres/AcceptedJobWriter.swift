import ForgeCore
import Synchronization

/// Commits the history rows of accepted jobs (``HistoryStore/recordAccepted(_:nowMs:)``) for many
/// concurrent requests at once: group commit.
///
/// A request's jobs wait while a commit is in flight and go with everything that arrived
/// meanwhile in the next one, so at high rates one commit (one fsync) carries hundreds of
/// requests' jobs, and at low rates a request waits for its own commit only. At most
/// `concurrentCommits` commits run at once, each up to `maxJobsPerCommit` jobs.
public final class AcceptedJobWriter: Sendable {
    private struct Waiting {
        let jobs: [NewJob]
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var waiting: [Waiting] = []
        var committing = 0
    }

    private let history: HistoryStore
    private let concurrentCommits: Int
    private let maxJobsPerCommit: Int
    private let state = Mutex(State())

    public init(history: HistoryStore, concurrentCommits: Int = 2, maxJobsPerCommit: Int = 2000) {
        self.history = history
        self.concurrentCommits = max(1, concurrentCommits)
        self.maxJobsPerCommit = max(1, maxJobsPerCommit)
    }

    /// Returns once `jobs` are committed in Postgres; throws what the commit that carried them threw.
    public func record(_ jobs: [NewJob]) async throws(PostgresError) {
        guard !jobs.isEmpty else { return }
        do {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let start = state.withLock { state -> Bool in
                    state.waiting.append(Waiting(jobs: jobs, continuation: continuation))
                    guard state.committing < concurrentCommits else { return false }
                    state.committing += 1
                    return true
                }
                if start { Task { await self.commitWhileWaiting() } }
            }
        } catch let error as PostgresError {
            throw error
        } catch {
            throw PostgresError(code: .unexpectedResult, message: "\(error)")
        }
    }

    /// Commits what waits, again and again, until nothing does.
    private func commitWhileWaiting() async {
        while let batch = nextBatch() {
            do {
                try await history.recordAccepted(batch.flatMap(\.jobs), nowMs: WallClock.nowMilliseconds())
                for waiting in batch { waiting.continuation.resume() }
            } catch {
                for waiting in batch { waiting.continuation.resume(throwing: error) }
            }
        }
    }

    /// The requests of the next commit (whole requests, up to the job limit, at least one); `nil`
    /// when none waits, and then this committer stops.
    private func nextBatch() -> [Waiting]? {
        state.withLock { state in
            guard !state.waiting.isEmpty else {
                state.committing -= 1
                return nil
            }
            var count = 0
            var taken = 0
            while taken < state.waiting.count, taken == 0 || count + state.waiting[taken].jobs.count <= maxJobsPerCommit {
                count += state.waiting[taken].jobs.count
                taken += 1
            }
            let batch = Array(state.waiting.prefix(taken))
            state.waiting.removeFirst(taken)
            return batch
        }
    }
}
