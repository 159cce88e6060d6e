import ForgeCore
import ForgeRedis
import ForgeTestSupport
import Testing

extension OneClusterAtATime {
    /// ``RedisClient`` in cluster mode against a real three-master cluster on loopback: routing by
    /// slot, batches split over nodes, `MOVED` and `ASK` followed, a node's outage confined to its
    /// slots.
    @Suite struct ClusterRoutingTests {
        static let setScript = LuaScript(name: "test.cluster.set", source: "return redis.call('SET', KEYS[1], ARGV[1])")

        /// A key in each of many queues' slots, spread over every node.
        static func keys(_ count: Int, _ name: String = "stats") -> [String] {
            (0..<count).map { "forge:{q\($0)}:\(name)" }
        }

        @Test func scriptsAndCommandsReachTheNodeOwningTheirKeys() async throws {
            let cluster = try await PrivateCluster.start()
            defer { cluster.stop() }
            let client = RedisClient(configuration: cluster.configuration())
            let keys = Self.keys(40)
            // One batch of scripts over every node, replies in order.
            let replies = try await client.evaluate(keys.map { ScriptCall(Self.setScript, keys: [$0], arguments: ["v-\($0)"]) })
            #expect(replies.map(\.string) == Array(repeating: "OK", count: keys.count))
            // Each key is on the node the cluster says owns it, and only there.
            let nodes = try cluster.servers.indices.map(cluster.nodeClient)
            let map = try SlotMap(clusterSlots: try await nodes[0].command(["CLUSTER", "SLOTS"]), answeredBy: "127.0.0.1")
            var nodesUsed = Set<Int>()
            for key in keys {
                let owner = try #require(map.master(for: HashSlot(key: key)))
                let index = try #require(cluster.servers.firstIndex { $0.port == owner.port })
                nodesUsed.insert(index)
                #expect(try await nodes[index].command(["GET", key]).string == "v-\(key)")
            }
            #expect(nodesUsed.count == 3)
            // A pipeline over every node, and commands with and without keys.
            let values = try await client.pipeline(keys.map { ["GET", $0] })
            #expect(values.map(\.string) == keys.map { "v-\($0)" })
            #expect(try await client.checkReady())
            #expect(try await client.command(["HSET", "forge:{q1}:h", "f", "1"]).int == 1)
            #expect(try await client.command(["EXISTS", "forge:{q1}:h", "forge:{q1}:stats"]).int == 2)
            for node in nodes { await node.shutdown() }
            await client.shutdown()
        }

        /// The slot of a key the client has already routed moves to another node: the old owner
        /// answers `MOVED`, the client reads the map again and the command runs on the new owner.
        @Test func aMovedSlotIsFollowedAndTheMapRefreshed() async throws {
            let cluster = try await PrivateCluster.start()
            defer { cluster.stop() }
            let client = RedisClient(configuration: cluster.configuration())
            let key = "forge:{moving}:stats"
            #expect(try await client.command(["SET", key, "before"]).string == "OK")
            let nodes = try cluster.servers.indices.map(cluster.nodeClient)
            let slot = HashSlot(key: key)
            let (from, to) = try await Self.owners(of: slot, in: cluster, nodes)
            try await Self.migrate(slot, keys: [key], from: from, to: to, in: cluster, nodes, finish: true)

            #expect(try await client.command(["GET", key]).string == "before")
            #expect(try await client.command(["SET", key, "after"]).string == "OK")
            #expect(try await nodes[to].command(["GET", key]).string == "after")
            // A script too, and a batch mixing the moved slot with others.
            let calls = ([key] + Self.keys(10)).map { ScriptCall(Self.setScript, keys: [$0], arguments: ["s"]) }
            #expect(try await client.evaluate(calls).map(\.string) == Array(repeating: "OK", count: calls.count))
            #expect(try await nodes[to].command(["GET", key]).string == "s")
            for node in nodes { await node.shutdown() }
            await client.shutdown()
        }

        /// While a slot migrates, a key that already left answers `ASK` at the old owner: the client
        /// sends the command to the new owner after `ASKING`; a key not yet moved is served where
        /// it is, and a new key goes where the migration takes the slot. A script waits until the
        /// slot has moved (see `ClusterMigrationTests`), then runs on the new owner.
        @Test func askDuringAMigrationIsFollowed() async throws {
            let cluster = try await PrivateCluster.start()
            defer { cluster.stop() }
            let client = RedisClient(configuration: cluster.configuration())
            let moved = "forge:{migrating}:moved"
            let stays = "forge:{migrating}:stays"
            for key in [moved, stays] { #expect(try await client.command(["SET", key, key]).string == "OK") }
            let nodes = try cluster.servers.indices.map(cluster.nodeClient)
            let slot = HashSlot(key: moved)
            let (from, to) = try await Self.owners(of: slot, in: cluster, nodes)
            try await Self.migrate(slot, keys: [moved], from: from, to: to, in: cluster, nodes, finish: false)

            #expect(try await client.command(["GET", moved]).string == moved)
            #expect(try await client.command(["GET", stays]).string == stays)
            let fresh = "forge:{migrating}:fresh"
            #expect(try await client.command(["SET", fresh, "new"]).string == "OK")
            #expect(try await Self.asking(nodes[to], ["GET", fresh]).string == "new")
            // The old owner has no such key: it sends whoever asks on.
            guard case .error(let message) = try await nodes[from].command(["GET", fresh]) else {
                Issue.record("the old owner answered for a key it does not have")
                return
            }
            #expect(message.hasPrefix("ASK "), "\(message)")

            let script = Task { try await client.evaluate(ScriptCall(Self.setScript, keys: [moved], arguments: ["by-script"])) }
            try await Task.sleep(for: .milliseconds(100))
            #expect(try await Self.asking(nodes[to], ["GET", moved]).string == moved, "the script waits for the move")
            try await Self.migrate(slot, keys: [stays], from: from, to: to, in: cluster, nodes, finish: true, opened: true)
            #expect(try await script.value.string == "OK")
            #expect(try await nodes[to].command(["GET", moved]).string == "by-script")
            for node in nodes { await node.shutdown() }
            await client.shutdown()
        }

        /// A master that goes away fails the calls for its own slots, not the others'; back on the
        /// same port, it serves again without a new client.
        @Test func aStoppedNodeFailsOnlyItsOwnSlots() async throws {
            let cluster = try await PrivateCluster.start()
            defer { cluster.stop() }
            let client = RedisClient(configuration: cluster.configuration())
            let nodes = try cluster.servers.indices.map(cluster.nodeClient)
            let map = try SlotMap(clusterSlots: try await nodes[0].command(["CLUSTER", "SLOTS"]), answeredBy: "127.0.0.1")
            let keys = Self.keys(30)
            let lastPort = cluster.servers[2].port
            let down = try #require(keys.first { map.master(for: HashSlot(key: $0))?.port == lastPort })
            let up = try #require(keys.first { map.master(for: HashSlot(key: $0))?.port != lastPort })
            #expect(try await client.command(["SET", down, "1"]).string == "OK")

            cluster.servers[2].stop()
            await #expect(throws: RedisError.self) { try await client.command(["GET", down]) }
            #expect(try await client.command(["SET", up, "1"]).string == "OK")

            try cluster.servers[2].start()
            var answer: RedisValue?
            let deadline = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < deadline, answer?.string != "OK" {
                answer = try? await client.command(["SET", down, "2"])
                if answer?.string != "OK" { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(answer?.string == "OK")
            for node in nodes { await node.shutdown() }
            await client.shutdown()
        }

        // MARK: - Helpers

        /// `command` on a node that is importing the key's slot: only after `ASKING` does it answer
        /// instead of redirecting to the slot's owner.
        static func asking(_ node: RedisClient, _ command: [String]) async throws -> RedisValue {
            try await node.withConnection { connection throws(RedisError) in try connection.pipeline([["ASKING"], command]) }[1]
        }

        /// The node owning `slot` and another one to move it to.
        static func owners(of slot: HashSlot, in cluster: PrivateCluster, _ nodes: [RedisClient]) async throws -> (Int, Int) {
            let map = try SlotMap(clusterSlots: try await nodes[0].command(["CLUSTER", "SLOTS"]), answeredBy: "127.0.0.1")
            let owner = try #require(map.master(for: slot))
            let from = try #require(cluster.servers.firstIndex { $0.port == owner.port })
            return (from, (from + 1) % cluster.servers.count)
        }

        /// Moves `slot` as `redis-cli --cluster reshard` does: importing and migrating states, the
        /// keys with `MIGRATE`, and (with `finish`) the slot assigned to its new owner on every node.
        /// `opened`: an earlier call already set the importing and migrating states.
        static func migrate(
            _ slot: HashSlot,
            keys: [String],
            from: Int,
            to: Int,
            in cluster: PrivateCluster,
            _ nodes: [RedisClient],
            finish: Bool,
            opened: Bool = false
        ) async throws {
            let fromID = try #require(try await nodes[from].command(["CLUSTER", "MYID"]).string)
            let toID = try #require(try await nodes[to].command(["CLUSTER", "MYID"]).string)
            if !opened {
                #expect(try await nodes[to].command(["CLUSTER", "SETSLOT", slot.description, "IMPORTING", fromID]).string == "OK")
                #expect(try await nodes[from].command(["CLUSTER", "SETSLOT", slot.description, "MIGRATING", toID]).string == "OK")
            }
            let migrated = try await nodes[from].command(
                ["MIGRATE", "127.0.0.1", String(cluster.servers[to].port), "", "0", "5000", "KEYS"] + keys
            )
            #expect(migrated.string == "OK", "MIGRATE: \(migrated)")
            guard finish else { return }
            for node in nodes {
                #expect(try await node.command(["CLUSTER", "SETSLOT", slot.description, "NODE", toID]).string == "OK")
            }
        }
    }
}
