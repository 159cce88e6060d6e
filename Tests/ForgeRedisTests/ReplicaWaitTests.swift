import ForgeCore
import ForgeRedis
import ForgeTestSupport
import Testing

/// `FORGE_WAIT_REPLICAS`: an enqueue is confirmed only once replicas have its jobs, and a
/// shortfall is an error naming it, with the jobs still safe to send again.
@Suite struct ReplicaWaitTests {
    let keys = KeySpace(namespace: "forge")

    /// A master and one replica of it, in sync.
    static func pair() async throws -> (master: PrivateRedis, replica: PrivateRedis) {
        let master = try PrivateRedis(arguments: ["--repl-diskless-sync-delay", "0"])
        try master.start()
        let replica = try PrivateRedis(arguments: ["--replicaof", "127.0.0.1", String(master.port)])
        try replica.start()
        let client = RedisClient(configuration: try RedisConfiguration(url: master.url))
        defer { Task { await client.shutdown() } }
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            let info = try await client.command(["INFO", "replication"]).string ?? ""
            if info.contains("connected_slaves:1"), info.contains("state=online") { return (master, replica) }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ReplicaNotInSync()
    }

    @Test func anEnqueueIsConfirmedOnceTheReplicaHasIt() async throws {
        let (master, replica) = try await Self.pair()
        defer {
            replica.stop()
            master.stop()
        }
        let client = RedisClient(configuration: try RedisConfiguration(url: master.url, poolSize: 1))
        let store = QueueStore(redis: client, keys: keys, enqueueWait: ReplicaWait(replicas: 1, timeoutMs: 1_000))
        let replicaClient = RedisClient(configuration: try RedisConfiguration(url: replica.url))
        let queue = try QueueName("replicated")

        // Many at once share WAITs (one per round trip of the lane), and each is on the replica
        // when its enqueue returns.
        let ids = try await withThrowingTaskGroup(of: JobID.self) { group in
            for _ in 0..<100 {
                group.addTask {
                    let id = try await store.enqueue(try NewJob(queue: queue.rawValue, type: "t")).id
                    let state = try await replicaClient.command(["HGET", keys.queue(queue).job(id), "state"])
                    #expect(state.string == "pending", "job \(id) on the replica: \(state)")
                    return id
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(ids).count == 100)
        let stats = try await client.command(["INFO", "commandstats"]).string ?? ""
        let waits = stats.split(whereSeparator: \.isNewline).first { $0.hasPrefix("cmdstat_wait:") }
            .flatMap { $0.split(separator: "=").dropFirst().first?.split(separator: ",").first }.flatMap { Int($0) }
        #expect((waits ?? 0) > 0 && (waits ?? 0) < 100, "WAIT calls for 100 enqueues: \(waits ?? -1)")
        await replicaClient.shutdown()
        await client.shutdown()
    }

    /// More replicas asked for than exist: the enqueue fails with the shortfall after the
    /// timeout; the job is on the master, and sending it again finds it rather than making two.
    @Test func aShortfallIsAnErrorAndTheRepeatFindsTheJob() async throws {
        let (master, replica) = try await Self.pair()
        defer {
            replica.stop()
            master.stop()
        }
        let client = RedisClient(configuration: try RedisConfiguration(url: master.url))
        let relaxed = QueueStore(redis: client, keys: keys, enqueueWait: ReplicaWait(replicas: 1, timeoutMs: 1_000))
        // The queue exists already: the call below writes the job on its first try.
        _ = try await relaxed.enqueue(try NewJob(queue: "short", type: "t"))
        let store = QueueStore(redis: client, keys: keys, enqueueWait: ReplicaWait(replicas: 2, timeoutMs: 100))
        let job = try NewJob(queue: "short", type: "t")
        await #expect {
            _ = try await store.enqueue(job)
        } throws: { error in
            guard let redis = error as? RedisError, redis.code == .notReplicated else { return false }
            return redis.message.contains("1 of 2 replicas") && redis.message.contains("100 ms")
        }
        let again = try await relaxed.enqueue(job)
        #expect(again.id == job.id && !again.created)
        await client.shutdown()
    }
}
struct ReplicaNotInSync: Error {}
