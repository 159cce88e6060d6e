import ForgeCore
import ForgeRedis
import ForgeTestSupport
import Testing

extension OneClusterAtATime {
    /// A queue's slot moving to another master while its jobs run (`redis-cli --cluster reshard`
    /// moves keys a few at a time): no script may run while only some of the slot's keys have
    /// moved, because the scripts read per-job keys they do not declare and would find them
    /// missing. The client waits out the move (`TRYAGAIN`) and the call then succeeds on the new
    /// owner.
    @Suite struct ClusterMigrationTests {
        let keys = KeySpace(namespace: "forge")

        /// A heartbeat sent while the job's hash has moved but the queue's leases have not must not
        /// report the lease lost (the worker would stop a healthy handler): it waits until the slot
        /// has moved and extends the lease there.
        @Test func aHeartbeatDuringAMoveWaitsForItInsteadOfLosingTheLease() async throws {
            let cluster = try await PrivateCluster.start()
            defer { cluster.stop() }
            let client = RedisClient(configuration: cluster.configuration())
            let store = QueueStore(redis: client, keys: keys)
            let queue = try QueueName("moving")
            let queueKeys = keys.queue(queue)
            _ = try await store.enqueue(try NewJob(queue: queue.rawValue, type: "t"))
            let job = try #require(try await store.lease(queue: queue, count: 1, visibilityMs: 60_000, worker: "w").first)

            let nodes = try cluster.servers.indices.map(cluster.nodeClient)
            let slot = HashSlot(key: queueKeys.leased)
            let (from, to) = try await ClusterRoutingTests.owners(of: slot, in: cluster, nodes)
            // Half-way: the job's hash is on the new owner, the leases and events still on the old.
            try await ClusterRoutingTests.migrate(slot, keys: [queueKeys.job(job.id)], from: from, to: to, in: cluster, nodes, finish: false)

            let heartbeat = Task { try await store.extend(queue: queue, [LeaseRef(id: job.id, token: job.token)], visibilityMs: 60_000) }
            try await Task.sleep(for: .milliseconds(200))
            // The rest of the slot, then the slot assigned to its new owner.
            let rest = try #require(try await nodes[from].command(["CLUSTER", "GETKEYSINSLOT", slot.description, "1000"]).array)
                .compactMap(\.string)
            #expect(!rest.isEmpty)
            try await ClusterRoutingTests.migrate(slot, keys: rest, from: from, to: to, in: cluster, nodes, finish: true, opened: true)
            let outcomes = try await heartbeat.value
            guard case .extended = try #require(outcomes.first) else {
                Issue.record("the lease was reported \(outcomes) while its slot moved")
                return
            }
            #expect(try await store.job(job.id, queue: queue)?.state == .active)
            for node in nodes { await node.shutdown() }
            await client.shutdown()
        }

        /// With `FORGE_WAIT_REPLICAS`, an enqueue sent to a master that has just become a replica
        /// (a manual failover: it answers `MOVED`, nothing was written there, and a replica refuses
        /// `WAIT`) follows the slot and is confirmed by the new master's replica.
        @Test func anEnqueueWaitingForReplicasFollowsAFailover() async throws {
            let cluster = try await PrivateCluster.start(replicas: true)
            defer { cluster.stop() }
            let client = RedisClient(configuration: cluster.configuration())
            let store = QueueStore(redis: client, keys: keys, enqueueWait: ReplicaWait(replicas: 1, timeoutMs: 1_000))
            let queue = try QueueName("failed-over")
            #expect(try await store.enqueue(try NewJob(queue: queue.rawValue, type: "t")).created)

            let nodes = try cluster.servers.indices.map(cluster.nodeClient)
            let map = try SlotMap(clusterSlots: try await nodes[0].command(["CLUSTER", "SLOTS"]), answeredBy: "127.0.0.1")
            let slot = HashSlot(key: keys.queue(queue).leased).rawValue
            let range = try #require(map.ranges.first { $0.slots.contains(slot) })
            let replicaPort = try #require(range.replicas.first?.port)
            let replica = try #require(cluster.servers.firstIndex { $0.port == replicaPort })
            #expect(try await nodes[replica].command(["CLUSTER", "FAILOVER"]).string == "OK")
            // The new master with its replica (the old master) in sync, so WAIT 1 can succeed.
            let info = try await ClusterFailoverTests.replication(of: nodes[replica], showing: ["role:master", "state=online"])
            #expect(info.contains("role:master") && info.contains("state=online"), "\(info)")

            let moved = try await store.enqueue(try NewJob(queue: queue.rawValue, type: "t"))
            #expect(moved.created)
            #expect(try await nodes[replica].command(["HGET", keys.queue(queue).job(moved.id), "state"]).string == "pending")
            for node in nodes { await node.shutdown() }
            await client.shutdown()
        }
    }
}
