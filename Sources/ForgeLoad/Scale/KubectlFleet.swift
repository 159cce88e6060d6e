import ForgeCore

/// Scales a Kubernetes Deployment of workers: `kubectl scale` then `kubectl rollout status`.
public struct KubectlFleet: WorkerFleet {
    public let deployment: String
    public let namespace: String?
    public let rolloutTimeout: Duration

    public init(deployment: String, namespace: String?, rolloutTimeout: Duration) {
        self.deployment = deployment
        self.namespace = namespace
        self.rolloutTimeout = rolloutTimeout
    }

    public var usesFreshQueues: Bool { false }

    /// The two commands one step runs, in order.
    public func commands(count: Int) -> [[String]] {
        let ns = namespace.map { ["--namespace", $0] } ?? []
        return [
            ["kubectl", "scale", "deployment/\(deployment)", "--replicas=\(count)"] + ns,
            ["kubectl", "rollout", "status", "deployment/\(deployment)", "--timeout=\(rolloutTimeout.milliseconds / 1000)s"] + ns,
        ]
    }

    public func scale(to count: Int, queues: [String]) async throws -> [String] {
        for command in commands(count: count) { try await ShellCommand.run(command) }
        return []
    }

    public func shutdown() async {}
}

/// Scales a Docker Compose service of workers: `docker compose up -d --scale SERVICE=N --wait`.
public struct ComposeFleet: WorkerFleet {
    public let service: String
    public let file: String?

    public init(service: String, file: String?) {
        self.service = service
        self.file = file
    }

    public var usesFreshQueues: Bool { false }

    public func command(count: Int) -> [String] {
        ["docker", "compose"] + (file.map { ["-f", $0] } ?? []) + ["up", "-d", "--scale", "\(service)=\(count)", "--wait", service]
    }

    public func scale(to count: Int, queues: [String]) async throws -> [String] {
        try await ShellCommand.run(command(count: count))
        return []
    }

    public func shutdown() async {}
}
