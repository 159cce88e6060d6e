import ForgeRedis
import Foundation

/// A Redis Cluster of the test's own on loopback: `masters` nodes in cluster mode, the slots spread
/// evenly over them (`CLUSTER ADDSLOTSRANGE`), joined with `CLUSTER MEET`, and ready: every node
/// reports `cluster_state:ok` and the same map. With `replicas`, each master gets one replica
/// (`CLUSTER REPLICATE`), the way `redis-cli --cluster create --cluster-replicas 1` lays it out.
public final class PrivateCluster: Sendable {
    /// The masters, then the replicas (replica `i` follows master `i`).
    public let nodes: [(server: PrivateRedis, busPort: Int)]
    public let masterCount: Int

    public var servers: [PrivateRedis] { nodes.map(\.server) }

    private init(nodes: [(server: PrivateRedis, busPort: Int)], masterCount: Int) {
        self.nodes = nodes
        self.masterCount = masterCount
    }

    /// Starts the nodes and forms the cluster. One that does not form in 20 s is stopped and made
    /// again on new ports, once: free ports are picked before the servers bind them, so a server
    /// (or its bus) can lose its port to another test's server in between.
    public static func start(masters: Int = 3, replicas: Bool = false, nodeTimeoutMs: Int = 15_000) async throws -> PrivateCluster {
        var attempt = 0
        while true {
            attempt += 1
            let count = replicas ? 2 * masters : masters
            let cluster = PrivateCluster(
                nodes: try (0..<count).map { _ in try PrivateRedis.clusterNode(nodeTimeoutMs: nodeTimeoutMs) },
                masterCount: masters
            )
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
        let masters = Array(clients.prefix(masterCount))
        let per = HashSlot.count / masterCount
        for (index, client) in masters.enumerated() {
            let first = index * per
            let last = index == masterCount - 1 ? HashSlot.count - 1 : first + per - 1
            let reply = try await client.command(["CLUSTER", "ADDSLOTSRANGE", String(first), String(last)])
            guard reply.string == "OK" else { throw ClusterNotFormed(info: "CLUSTER ADDSLOTSRANGE \(first) \(last): \(reply)") }
        }
        for node in nodes.dropFirst() {
            _ = try await clients[0].command(["CLUSTER", "MEET", "127.0.0.1", String(node.server.port), String(node.busPort)])
        }
        let deadline = ContinuousClock.now + .seconds(20)
        // A replica can follow its master once it knows it.
        for (replica, master) in zip(clients.dropFirst(masterCount), masters) {
            let id = try await master.command(["CLUSTER", "MYID"]).string ?? ""
            while try await replica.command(["CLUSTER", "REPLICATE", id]).string != "OK" {
                guard ContinuousClock.now < deadline else { throw ClusterNotFormed(info: "a replica never learned of its master") }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        for client in clients {
            while true {
                let info = try await client.command(["CLUSTER", "INFO"]).string ?? ""
                let map = try SlotMap(clusterSlots: try await client.command(["CLUSTER", "SLOTS"]), answeredBy: "127.0.0.1")
                let replicated = map.ranges.allSatisfy { $0.replicas.count == (nodes.count > masterCount ? 1 : 0) }
                if info.contains("cluster_state:ok") && map.masters.count == masterCount && map.coversEverySlot && replicated { break }
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
