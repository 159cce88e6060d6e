import ForgeCore
import ForgeRedis
import ForgeTestSupport
import Testing

/// Slot routing is ours (Debian has no hiredis-cluster): checked against the specification's
/// examples and against a cluster-enabled redis-server's own `CLUSTER KEYSLOT`.
@Suite struct HashSlotTests {
    @Test func theSpecificationsExamples() {
        // CRC16-XMODEM("123456789") is 0x31C3, the specification's check value.
        #expect(HashSlot(key: "123456789").rawValue == 0x31C3)
        #expect(HashSlot(key: "{user1000}.following") == HashSlot(key: "{user1000}.followers"))
        #expect(HashSlot(key: "{user1000}.following") == HashSlot(key: "user1000"))
        // An empty tag does not count: the whole key is hashed.
        #expect(HashSlot(key: "foo{}{bar}") != HashSlot(key: "bar"))
        // The tag ends at the first `}` after the first `{`.
        #expect(HashSlot(key: "foo{{bar}}zap") == HashSlot(key: "{bar"))
        #expect(HashSlot(key: "foo{bar}{zap}") == HashSlot(key: "bar"))
        #expect(HashSlot(rawValue: 16_384) == nil && HashSlot(rawValue: 16_383)?.rawValue == 16_383)
    }

    @Test func everyQueueKeyOfAQueueIsInOneSlot() throws {
        for name in ["default", "emails.high", "q-1"] {
            let keys = KeySpace(namespace: "forge").queue(try QueueName(name))
            let slots = Set((keys.structures + [keys.prefix, keys.job(JobID.generate())]).map { HashSlot(key: $0) })
            #expect(slots == [HashSlot(key: name)], "queue \(name)")
        }
    }

    /// The scripts' slot guard (see `ClusterRouter.clusterCall`) must land in the call's slot,
    /// whatever the key looks like.
    @Test func aKeyBesideAnotherIsInItsSlot() {
        for key in ["forge:{default}:leased", "forge:queues", "{a}{b}", "a{b", "x{{y}}", "é{ü}", "plain", "a{b:c", "ns:x{y"] {
            let beside = HashSlot.keyBeside(key, suffix: ":guard")
            #expect(beside.map { HashSlot(key: $0) } == HashSlot(key: key), "\(key) → \(beside ?? "nil")")
        }
        // Within the key's namespace, which a Redis user may be confined to (`~forge:*`).
        #expect(HashSlot.keyBeside("forge:{default}:leased", suffix: ":guard") == "forge:{default}:guard")
        #expect(HashSlot.keyBeside("forge:queues", suffix: ":guard") == "forge:{forge:queues}:guard")
        // A `}` without a tag before it cannot be wrapped into a tag of the whole key.
        #expect(HashSlot.keyBeside("a}b", suffix: ":guard") == nil && HashSlot.keyBeside("foo{}{bar}", suffix: ":g") == nil)
    }

    @Test func agreesWithRedisClusterKeyslot() async throws {
        let server = try PrivateRedis.clusterNode().server
        try server.start()
        defer { server.stop() }
        let redis = RedisClient(configuration: try RedisConfiguration(url: server.url))
        var random = SystemRandomNumberGenerator()
        var keys = ["", "{", "}", "{}", "a{b}c", "{a}{b}", "forge:{default}:pending", "é{ü}", "x{{y}}"]
        for _ in 0..<500 {
            let length = Int.random(in: 1...24, using: &random)
            keys.append(String((0..<length).map { _ in "ab{}:x1é".randomElement(using: &random)! }))
        }
        let replies = try await redis.pipeline(keys.map { ["CLUSTER", "KEYSLOT", $0] })
        for (key, reply) in zip(keys, replies) {
            #expect(reply.int.map(Int.init) == Int(HashSlot(key: key).rawValue), "key \(key)")
        }
        await redis.shutdown()
    }
}
