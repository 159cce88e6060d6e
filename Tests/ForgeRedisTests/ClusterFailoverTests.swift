import ForgeCore
import ForgeRedis
import ForgeTestSupport
import Testing

extension OneClusterAtATime {
    /// A client across failovers of a three-master, three-replica cluster: a manual failover
    /// (`CLUSTER FAILOVER` on a replica: the old master answers `MOVED`) and a master killed with
    /// SIGKILL (its replica takes over after the node timeout: the client, its connection to the
    /// dead node failed, reads the map again and reaches the new master), the other masters'
    /// slots served throughout.
    @Suite struct ClusterFailoverTests {
        /// For each master, a key it serves.
        static func keyPerMaster(_ cluster: PrivateCluster, _ map: SlotMap) throws -> [String] {
            try cluster.servers.prefix(cluster.masterCount).map { server in
                try #require((0..<200).map { "forge:{f\($0)}:stats" }.first { map.master(for: HashSlot(key: $0))?.port == server.port })
            }
        }

        /// Retries `command` until it answers `expected` or 20 s pass; returns the last answer.
        static func eventually(_ client: RedisClient, _ command: [String], _ expected: String) async -> String? {
            var answer: String?
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline {
                answer = (try? await client.command(command))?.string
                if answer == expected { break }
                try? await Task.sleep(for: .milliseconds(50))
            }
            return answer
        }

        /// `INFO replication` of `node` once it shows every one of `facts`, or after 20 s.
        static func replication(of node: RedisClient, showing facts: [String]) async throws -> String {
            var info = ""
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline {
                info = try await node.command(["INFO", "replication"]).string ?? ""
                if facts.allSatisfy(info.contains) { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            return info
        }

        @Test func theClientFollowsAManualFailoverAndAKilledMaster() async throws {
            let cluster = try await PrivateCluster.start(masters: 3, replicas: true, nodeTimeoutMs: 1_000)
            defer { cluster.stop() }
            let client = RedisClient(configuration: cluster.configuration())
            let nodes = try cluster.servers.indices.map(cluster.nodeClient)
            let map = try SlotMap(clusterSlots: try await nodes[0].command(["CLUSTER", "SLOTS"]), answeredBy: "127.0.0.1")
            let keys = try Self.keyPerMaster(cluster, map)
            for key in keys { #expect(try await client.command(["SET", key, "v1"]).string == "OK") }
            // Replication is asynchronous: wait until each replica has the write.
            for master in nodes.prefix(3) { #expect(try await master.command(["WAIT", "1", "5000"]).int == 1) }

            // Manual failover of master 1: its replica takes over, the old master redirects.
            #expect(try await nodes[4].command(["CLUSTER", "FAILOVER"]).string == "OK")
            // FAILOVER answers before the switch: a write then may still reach the old master
            // (and the replica, which has not taken over, answers a read with MOVED).
            let role = try await Self.replication(of: nodes[4], showing: ["role:master"])
            #expect(role.contains("role:master"), "\(role)")
            #expect(await Self.eventually(client, ["SET", keys[1], "v2"], "OK") == "OK")
            #expect(try await nodes[4].command(["GET", keys[1]]).string == "v2", "the write went to the new master")

            // Master 0 killed: its replica is promoted after the node timeout.
            cluster.servers[0].stop()
            #expect(try await client.command(["SET", keys[2], "v2"]).string == "OK", "other masters serve meanwhile")
            #expect(await Self.eventually(client, ["GET", keys[0]], "v1") == "v1")
            #expect(await Self.eventually(client, ["SET", keys[0], "v3"], "OK") == "OK")
            #expect(try await nodes[3].command(["GET", keys[0]]).string == "v3", "the write went to the promoted replica")
            for node in nodes { await node.shutdown() }
            await client.shutdown()
        }
    }
}
