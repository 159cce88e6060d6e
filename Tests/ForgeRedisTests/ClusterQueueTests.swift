import ForgeCore
import ForgeRedis
import ForgeTestSupport
import Testing

extension OneClusterAtATime {
    /// The queue store on a real three-master cluster: queues on every node go through enqueue,
    /// lease, ack, fail, retry, promote, reclaim, lookup by id and the archiver's reads, each script in
    /// its queue's slot (the scripts run without the namespace's indexes, and the leader's duties
    /// visit every queue).
    @Suite struct ClusterQueueTests {
        let keys = KeySpace(namespace: "forge")

        @Test func jobsOfQueuesOnEveryNodeGoThroughTheirWholeLife() async throws {
            let cluster = try await PrivateCluster.start()
            defer { cluster.stop() }
            let client = RedisClient(configuration: cluster.configuration())
            let store = QueueStore(redis: client, keys: keys)
            let queues = try (0..<6).map { try QueueName("cq\($0)") }
            let nodes = Set(try await client.blockingGroups(for: queues.map { keys.queue($0).stats }).map(\.node))
            #expect(nodes.count == 3, "the queues span every node")

            // Enqueue: one batch over every queue, and the registry knows them all.
            let jobs = try queues.flatMap { queue in try (0..<4).map { _ in try NewJob(queue: queue.rawValue, type: "t", maxAttempts: 2) } }
            let enqueued = try await store.enqueue(jobs)
            #expect(enqueued.count == jobs.count && enqueued.allSatisfy(\.created))
            #expect(Set(try await store.queueNames()) == Set(queues))
            #expect(Set(try await store.dueQueues()) == Set(queues), "on a cluster every queue is visited")

            for queue in queues {
                let leased = try await store.lease(queue: queue, count: 4, visibilityMs: 60_000, worker: "w")
                #expect(leased.count == 4)
                // Two complete, one fails for a retry at once, one is left to expire.
                let acked = try await store.complete(
                    queue: queue,
                    leased[0...1].map { Completion(id: $0.id, token: $0.token, result: #"{"ok":true}"#) }
                )
                #expect(acked.completed == [true, true])
                _ = try await store.fail(
                    queue: queue,
                    LeaseRef(id: leased[2].id, token: leased[2].token),
                    error: "boom",
                    retryable: true,
                    retryDelayMs: 0
                )
                #expect(try await store.job(leased[0].id)?.state == .completed)
                #expect(try await store.job(leased[2].id)?.state == .retrying)
                #expect(try await store.job(leased[3].id, queue: queue)?.state == .active)
                #expect(try await store.promoteDue(queue).moved == 1)
                #expect(try await store.job(leased[2].id)?.state == .pending)
            }
            let counts = try await store.statuses(queues)
            #expect(counts.map(\.counts.completed) == Array(repeating: 2, count: queues.count))
            #expect(counts.map(\.counts.pending) == Array(repeating: 1, count: queues.count))

            // The archiver's read of each queue's stream, on its node.
            for queue in queues {
                let batch = try await store.readEvents(queue, count: 100)
                #expect(batch.events.count >= 4 + 2 + 1 + 1, "\(queue): \(batch.events.count) events")
                try await store.acknowledgeEvents(batch)
            }
            await client.shutdown()
        }

        /// As deployed (compose, k8s): Forge's Redis user may touch only its namespace's keys
        /// (`~forge:*`), so every key a script call declares on a cluster, the slot guard
        /// included, must be one of them (a guard outside refused every call with NOPERM).
        @Test func aUserConfinedToTheNamespaceRunsAQueue() async throws {
            let cluster = try await PrivateCluster.start()
            defer { cluster.stop() }
            for index in cluster.servers.indices {
                let node = try cluster.nodeClient(index)
                let reply = try await node.command([
                    "ACL", "SETUSER", "confined", "on", ">confined-password-1234", "~forge:*", "+@all", "-@dangerous",
                ])
                #expect(reply.string == "OK", "\(reply)")
                await node.shutdown()
            }
            var configuration = cluster.configuration()
            configuration.username = "confined"
            configuration.password = "confined-password-1234"
            let client = RedisClient(configuration: configuration)
            let store = QueueStore(redis: client, keys: keys)
            let queue = try QueueName("confined")
            let id = try await store.enqueue(try NewJob(queue: queue.rawValue, type: "t")).id
            let leased = try await store.lease(queue: queue, count: 1, visibilityMs: 60_000, worker: "w")
            #expect(leased.map(\.id) == [id])
            #expect(try await store.complete(queue: queue, leased.map { Completion(id: $0.id, token: $0.token) }).completed == [true])
            #expect(try await store.deleteQueue(queue) != nil, "its events are not archived yet")
            await client.shutdown()
        }

        @Test func anExpiredLeaseIsReclaimedOnItsNode() async throws {
            let cluster = try await PrivateCluster.start()
            defer { cluster.stop() }
            let client = RedisClient(configuration: cluster.configuration())
            let store = QueueStore(redis: client, keys: keys)
            let queue = try QueueName("reclaimed")
            let id = try await store.enqueue(try NewJob(queue: queue.rawValue, type: "t")).id
            #expect(try await store.lease(queue: queue, count: 1, visibilityMs: 300, worker: "w").count == 1)
            try await Task.sleep(for: .milliseconds(400))
            #expect(try await store.reclaimExpired(queue).moved == 1)
            #expect(try await store.job(id)?.state == .pending)
            await client.shutdown()
        }
    }
}
