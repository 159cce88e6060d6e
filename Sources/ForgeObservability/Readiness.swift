import Synchronization

/// What `/readyz` reports: every dependency check passes and the process is not draining.
///
/// A load balancer or Kubernetes stops routing to a draining or cut-off instance; `/livez` stays
/// green so the instance is not restarted for an outage that is not its own.
public final class Readiness: Sendable {
    public typealias Check = @Sendable () async -> Bool

    private let checks: [(name: String, check: Check)]
    private let draining = Atomic<Bool>(false)

    public init(checks: [(name: String, check: Check)]) {
        self.checks = checks
    }

    /// Called when graceful shutdown begins.
    public func markDraining() { draining.store(true, ordering: .relaxed) }

    public var isDraining: Bool { draining.load(ordering: .relaxed) }

    /// Runs every check concurrently; `ready` only if all pass and the process is not draining.
    public func evaluate() async -> (ready: Bool, results: [String: Bool]) {
        let results = await withTaskGroup(of: (String, Bool).self) { group in
            for (name, check) in checks { group.addTask { (name, await check()) } }
            return await group.reduce(into: [String: Bool]()) { $0[$1.0] = $1.1 }
        }
        let draining = isDraining
        return (!draining && results.values.allSatisfy { $0 }, results.merging(["not_draining": !draining]) { $1 })
    }
}
