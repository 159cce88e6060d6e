import ForgeCore
import ForgeRedis
import ForgeTestSupport
import Testing

/// The slot map: a hand-made `CLUSTER SLOTS` reply, then a real three-master cluster on loopback.
@Suite struct SlotMapTests {
    static func node(_ host: String, _ port: Int64, _ id: String) -> RedisValue {
        .array([.string(host), .integer(port), .string(id), .array([])])
    }

    @Test func rangesRouteEverySlotToItsMaster() throws {
        let reply = RedisValue.array([
            .array([.integer(10_923), .integer(16_383), Self.node("10.0.0.3", 7002, "c"), Self.node("10.0.0.6", 7005, "f")]),
            .array([.integer(0), .integer(5_460), Self.node("", 7000, "a"), Self.node("10.0.0.4", 7003, "d")]),
            .array([.integer(5_461), .integer(10_922), Self.node("10.0.0.2", 7001, "b")]),
        ])
        let map = try SlotMap(clusterSlots: reply, answeredBy: "10.0.0.1")
        #expect(map.ranges.map(\.slots.lowerBound) == [0, 5_461, 10_923])
        #expect(map.masters.map(\.description) == ["10.0.0.1:7000", "10.0.0.2:7001", "10.0.0.3:7002"])
        #expect(map.ranges[0].replicas.map(\.port) == [7003])
        for (slot, port) in [(0, 7000), (5_460, 7000), (5_461, 7001), (10_922, 7001), (10_923, 7002), (16_383, 7002)] {
            #expect(map.master(for: HashSlot(rawValue: slot)!)?.port == port, "slot \(slot)")
        }
        #expect(map.coversEverySlot)
    }

    @Test func aGapHasNoMasterAndOverlapsAreRefused() throws {
        let gap = try SlotMap(
            clusterSlots: .array([
                .array([.integer(0), .integer(99), Self.node("h", 1, "a")]),
                .array([.integer(200), .integer(16_383), Self.node("h", 2, "b")]),
            ]),
            answeredBy: "h"
        )
        #expect(gap.master(for: HashSlot(rawValue: 150)!) == nil)
        #expect(gap.master(for: HashSlot(rawValue: 99)!)?.port == 1)
        #expect(!gap.coversEverySlot)
        #expect(try SlotMap(clusterSlots: .array([]), answeredBy: "h").master(for: HashSlot(rawValue: 0)!) == nil)
        #expect(throws: RedisError.self) {
            try SlotMap(
                clusterSlots: .array([
                    .array([.integer(0), .integer(100), Self.node("h", 1, "a")]),
                    .array([.integer(100), .integer(200), Self.node("h", 2, "b")]),
                ]),
                answeredBy: "h"
            )
        }
        #expect(throws: RedisError.self) {
            try SlotMap(clusterSlots: .array([.array([.integer(5), .integer(1), Self.node("h", 1, "a")])]), answeredBy: "h")
        }
    }

    /// Three masters made into a cluster (``PrivateCluster``); every key written through the
    /// map's master for its slot is accepted (no `MOVED`).
    @Test func aRealClusterRoutesEachKeyToTheNodeThatOwnsIt() async throws {
        let cluster = try await PrivateCluster.start(masters: 3)
        defer { cluster.stop() }
        let clients = try cluster.servers.indices.map(cluster.nodeClient)
        let map = try SlotMap(clusterSlots: try await clients[0].command(["CLUSTER", "SLOTS"]), answeredBy: "127.0.0.1")
        #expect(map.masters.count == 3 && map.coversEverySlot)
        #expect(map.masters.map(\.port) == cluster.servers.map(\.port))
        let byPort = Dictionary(uniqueKeysWithValues: zip(cluster.servers.map(\.port), clients))
        for index in 0..<60 {
            let key = "forge:{queue\(index)}:stats"
            let owner = try #require(map.master(for: HashSlot(key: key)))
            let reply = try await byPort[owner.port]!.command(["SET", key, "1"])
            #expect(reply.string == "OK", "\(key) on \(owner): \(reply)")
        }
        for client in clients { await client.shutdown() }
    }
}
