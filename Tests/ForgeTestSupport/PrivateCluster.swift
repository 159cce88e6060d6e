import ForgeRedis
import Foundation

/// A Redis Cluster of the test's own on loopback: `masters` nodes in cluster mode, the slots spread
/// evenly over them (`CLUSTER ADDSLOTSRANGE`), joined with `CLUSTER MEET`, and ready: every node
/// reports `cluster_state:ok` and the same map. No replicas: a test that needs a failover adds
/// them itself.
public final class PrivateCluster: Sendable {
    public let nodes: [(server: PrivateRedis, busPort: Int)]

    public var servers: [PrivateRedis] { nodes.map(\.server) }

    private init(nodes: [(server: PrivateRedis, busPort: Int)]) {
        self.nodes = nodes
    }

    /// Starts the nodes and forms the cluster. One that does not form in 20 s is stopped and made
    /// again on new ports, once: free ports are picked before the servers bind them, so a server
    /// (or its bus) can lose its port to another test's server in between.
    public static func start(masters: Int = 3) async throws -> PrivateCluster {
        var attempt = 0
        while true {
            attempt += 1
            let cluster = PrivateCluster(nodes: try (0..<masters).map { _ in try PrivateRedis.clusterNode() })
            do {
                try await cluster.form()
                return cluster
            } catch {
                cluster.stop()
                if attempt >= 2 { throw error }
            }
        }
    }

    /// A cluster client's settings with the first node as the seed.
    public func configuration(poolSize: Int = 2) -> RedisConfiguration {
        RedisConfiguration(host: "127.0.0.1", port: servers[0].port, poolSize: poolSize, cluster: true)
    }

    /// A plain client of one node, to look at (or change) that node alone.
    public func nodeClient(_ index: Int) throws -> RedisClient {
        RedisClient(configuration: try RedisConfiguration(url: servers[index].url, poolSize: 1))
    }

    public func stop() {
        for server in servers { server.stop() }
    }

    private func form() async throws {
        for server in servers { try server.start() }
        let clients = try servers.indices.map(nodeClient)
        let result: Result<Void, any Error>
        do {
            try await form(through: clients)
            result = .success(())
        } catch { result = .failure(error) }
        for client in clients { await client.shutdown() }
        try result.get()
    }

    private func form(through clients: [RedisClient]) async throws {
        let per = HashSlot.count / servers.count
        for (index, client) in clients.enumerated() {
            let first = index * per
            let last = index == clients.count - 1 ? HashSlot.count - 1 : first + per - 1
            _ = try await client.command(["CLUSTER", "ADDSLOTSRANGE", String(first), String(last)])
        }
        for node in nodes.dropFirst() {
            _ = try await clients[0].command(["CLUSTER", "MEET", "127.0.0.1", String(node.server.port), String(node.busPort)])
        }
        let deadline = ContinuousClock.now + .seconds(20)
        for client in clients {
            while true {
                let info = try await client.command(["CLUSTER", "INFO"]).string ?? ""
                let map = try SlotMap(clusterSlots: try await client.command(["CLUSTER", "SLOTS"]), answeredBy: "127.0.0.1")
                if info.contains("cluster_state:ok") && map.masters.count == servers.count && map.coversEverySlot { break }
                guard ContinuousClock.now < deadline else { throw ClusterNotFormed(info: info) }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }
}

/// The test cluster did not report `cluster_state:ok` with every node in its map in time.
public struct ClusterNotFormed: Error, CustomStringConvertible {
    public var info: String
    public var description: String { "the test cluster did not form within 20 s: \(info)" }
}
