/// Whatever runs the workers of a scaling run: local processes, a Kubernetes Deployment, or a
/// Docker Compose service.
public protocol WorkerFleet: Sendable {
    /// Brings the fleet to `count` workers serving `queues` and waits until they are ready;
    /// returns the `/metrics` URLs of the workers, where it knows them.
    func scale(to count: Int, queues: [String]) async throws -> [String]
    /// Whether each step gets a fresh queue: only when the fleet starts the workers itself and
    /// can point them at it. Others reuse `--queue` and drain it between steps.
    var usesFreshQueues: Bool { get }
    /// Stops what this fleet started (local workers); leaves deployments as they are.
    func shutdown() async
}
