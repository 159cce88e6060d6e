import ForgeCore
import ForgeRedis
import ForgeTestSupport
import Testing

extension OneClusterAtATime {
    /// An idle worker's wake-up over queues on several cluster nodes: one BLPOP per slot, the first
    /// token ends the wait, the other BLPOPs are unblocked, and no token is lost.
    @Suite struct ClusterWakeTests {
        let keys = KeySpace(namespace: "forge")

        /// One queue on each of the three nodes.
        func queuesOnEveryNode(_ client: RedisClient) async throws -> [QueueName] {
            var byNode: [String: QueueName] = [:]
            for index in 0..<100 where byNode.count < 3 {
                let queue = try QueueName("wake\(index)")
                let node = try await client.blockingGroups(for: [keys.queue(queue).wake])[0].node.description
                if byNode[node] == nil { byNode[node] = queue }
            }
            #expect(byNode.count == 3)
            return Array(byNode.values).sorted { $0.rawValue < $1.rawValue }
        }

        @Test func aTokenOnAnyNodeEndsTheWaitAndTheOthersAreUnblocked() async throws {
            let cluster = try await PrivateCluster.start()
            defer { cluster.stop() }
            let client = RedisClient(configuration: cluster.configuration())
            let listener = WakeListener(client: client, keys: keys)
            let queues = try await queuesOnEveryNode(client)

            for woken in [queues[2], queues[0], queues[1]] {
                let start = ContinuousClock.now
                async let wait = listener.wait(for: queues, timeoutMs: 10_000)
                try await Task.sleep(for: .milliseconds(200))
                _ = try await client.command(["RPUSH", keys.queue(woken).wake, "1"])
                #expect(try await wait == woken)
                // Well before the timeout: and had the last round's BLPOPs on the other nodes not been
                // unblocked, they would have swallowed this round's token and the wait would time out.
                #expect(ContinuousClock.now - start < .seconds(5))
            }
            await listener.shutdown()
            await client.shutdown()
        }

        /// The first token ends the wait though another slot's BLPOP has not reached its server
        /// yet (a thread late to start on a busy machine, here a node that answers late): a
        /// `CLIENT UNBLOCK` sent before that BLPOP arrives misses it, and the wait must not then sit
        /// out the BLPOP's whole timeout (seen as pickup waits near a second under load).
        @Test func theFirstTokenEndsTheWaitThoughABlpopArrivesLate() async throws {
            let cluster = try await PrivateCluster.start()
            defer { cluster.stop() }
            let client = RedisClient(configuration: cluster.configuration())
            let listener = WakeListener(client: client, keys: keys)
            let queues = try await queuesOnEveryNode(client)
            let lateNode = try await client.blockingGroups(for: [keys.queue(queues[2]).wake])[0].node
            let late = try #require(cluster.servers.first { $0.port == lateNode.port })

            late.freeze()
            let start = ContinuousClock.now
            async let wait = listener.wait(for: queues, timeoutMs: 30_000)
            try await Task.sleep(for: .milliseconds(200))
            _ = try await client.command(["RPUSH", keys.queue(queues[0]).wake, "1"])
            try await Task.sleep(for: .milliseconds(300))
            late.thaw()
            #expect(try await wait == queues[0])
            #expect(ContinuousClock.now - start < .seconds(10), "the wait sat out the late BLPOP's timeout")
            await listener.shutdown()
            await client.shutdown()
        }

        /// Redis refuses one BLPOP over two slots even where one node serves both: each slot gets its
        /// own; and past ``WakeListener/maxBlockedSlots`` slots the last key (the worker's interrupt)
        /// is still among those waited on.
        @Test func queuesInTwoSlotsOfOneNodeAndManySlotsAreWaitedOn() async throws {
            let cluster = try await PrivateCluster.start()
            defer { cluster.stop() }
            let client = RedisClient(configuration: cluster.configuration())
            let listener = WakeListener(client: client, keys: keys)
            let many = try (0..<40).map { try QueueName("many\($0)") }
            let firstNode = try await client.blockingGroups(for: [keys.queue(many[0]).wake])[0].node
            var sameNode: [QueueName] = []
            for queue in many where sameNode.count < 2 {
                if try await client.blockingGroups(for: [keys.queue(queue).wake])[0].node == firstNode { sameNode.append(queue) }
            }
            for woken in sameNode.reversed() {
                async let wait = listener.wait(for: sameNode, timeoutMs: 10_000)
                try await Task.sleep(for: .milliseconds(200))
                _ = try await client.command(["RPUSH", keys.queue(woken).wake, "1"])
                #expect(try await wait == woken)
            }
            let start = ContinuousClock.now
            async let wait = listener.wait(for: many, timeoutMs: 10_000)
            try await Task.sleep(for: .milliseconds(200))
            _ = try await client.command(["RPUSH", keys.queue(many[39]).wake, "1"])
            #expect(try await wait == many[39])
            #expect(ContinuousClock.now - start < .seconds(5))
            await listener.shutdown()
            await client.shutdown()
        }

        @Test func tokensOnTwoNodesAtOnceAreBothDelivered() async throws {
            let cluster = try await PrivateCluster.start()
            defer { cluster.stop() }
            let client = RedisClient(configuration: cluster.configuration())
            let listener = WakeListener(client: client, keys: keys)
            let queues = try await queuesOnEveryNode(client)
            _ = try await client.pipeline([["RPUSH", keys.queue(queues[0]).wake, "1"], ["RPUSH", keys.queue(queues[1]).wake, "1"]])

            let first = try #require(try await listener.wait(for: queues, timeoutMs: 2_000))
            let second = try #require(try await listener.wait(for: queues, timeoutMs: 2_000))
            #expect(Set([first, second]) == Set(queues[0...1]))
            #expect(try await listener.wait(for: queues, timeoutMs: 200) == nil)
            await listener.shutdown()
            await client.shutdown()
        }
    }
}
