import Logging
import Synchronization

/// What `/readyz` reports: every dependency check passes and the process is not draining.
///
/// A load balancer or Kubernetes stops routing to a draining or cut-off instance; `/livez` stays
/// green so the instance is not restarted for an outage that is not its own.
///
/// Check results are kept for ``maxAge`` (a second by default) and concurrent callers share one
/// run, so however often `/readyz` is called, Redis and Postgres see at most one probe per
/// `maxAge`: a burst of probes cannot compete with requests for connections. Draining is read
/// live. A check that throws counts as failed; its error is logged when a check starts failing
/// or fails for another reason, and a recovery is logged too, so a wrong password or an outage
/// is named in the log once, not on every probe.
public final class Readiness: Sendable {
    public typealias Check = @Sendable () async throws -> Bool

    private struct Cache {
        var results: [String: Bool]?
        var at: ContinuousClock.Instant?
        var running: Task<[String: Bool], Never>?
        /// Per check, the failure last logged (`nil` while it passes).
        var failures: [String: String] = [:]
    }

    private let checks: [(name: String, check: Check)]
    private let draining = Atomic<Bool>(false)
    private let cache = Mutex(Cache())
    private let logger: Logger?
    /// How long a check run's results answer `/readyz`.
    public let maxAge: Duration

    public init(checks: [(name: String, check: Check)], maxAge: Duration = .seconds(1), logger: Logger? = nil) {
        self.checks = checks
        self.maxAge = maxAge
        self.logger = logger
    }

    /// Called when graceful shutdown begins.
    public func markDraining() { draining.store(true, ordering: .relaxed) }

    public var isDraining: Bool { draining.load(ordering: .relaxed) }

    /// The checks' results (fresh or at most ``maxAge`` old); `ready` only if all pass and the
    /// process is not draining.
    public func evaluate() async -> (ready: Bool, results: [String: Bool]) {
        let results = await checkResults()
        let draining = isDraining
        return (!draining && results.values.allSatisfy { $0 }, results.merging(["not_draining": !draining]) { $1 })
    }

    private func checkResults() async -> [String: Bool] {
        let now = ContinuousClock.now
        let task: Task<[String: Bool], Never> = cache.withLock { cache in
            if let results = cache.results, let at = cache.at, now - at < maxAge {
                return Task { results }
            }
            if let running = cache.running { return running }
            let running = Task { await self.run() }
            cache.running = running
            return running
        }
        return await task.value
    }

    /// A check's failure (`nil` if it passed).
    ///
    /// Its own function, never inlined: with the `do`/`catch` written inside the task group's child
    /// closure, Swift 6.3's `-c release --static-swift-stdlib` build corrupted the child's frame (the
    /// check's name came back empty, then the group was torn down under its children: SIGSEGV on
    /// the first `/readyz` in every container). `scripts/check-deploy` runs that build.
    @inline(never)
    private static func failure(of check: Check) async -> String? {
        do {
            return try await check() ? nil : "check failed"
        } catch {
            return "\(error)"
        }
    }

    /// Runs every check concurrently and stores the results.
    private func run() async -> [String: Bool] {
        let outcomes = await withTaskGroup(of: (String, String?).self) { group in
            for (name, check) in checks {
                group.addTask { (name, await Self.failure(of: check)) }
            }
            var outcomes: [String: String?] = [:]
            while let (name, failure) = await group.next() {
                outcomes[name] = .some(failure)
            }
            return outcomes
        }
        let results = outcomes.mapValues { $0 == nil }
        let changes: [(String, String?)] = cache.withLock { cache in
            cache.results = results
            cache.at = ContinuousClock.now
            cache.running = nil
            var changes: [(String, String?)] = []
            for (name, failure) in outcomes where cache.failures[name] != failure {
                changes.append((name, failure))
                cache.failures[name] = failure
            }
            return changes
        }
        for (name, failure) in changes.sorted(by: { $0.0 < $1.0 }) {
            if let failure {
                logger?.warning("not ready", metadata: ["check": "\(name)", "error": "\(failure)"])
            } else {
                logger?.info("ready again", metadata: ["check": "\(name)"])
            }
        }
        return results
    }
}
