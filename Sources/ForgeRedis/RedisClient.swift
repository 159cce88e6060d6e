import Synchronization

/// Redis through a few pipelining connections (see ``RedisLane``), each on a thread of its own, so
/// blocking hiredis calls never run on Swift's cooperative executor and concurrent callers share
/// round trips instead of queueing for a connection.
///
/// With ``RedisConfiguration/cluster`` set, the configured address is a seed of a Redis Cluster
/// and every call goes to the master owning its keys (see ``ClusterRouter``); the calls mean the
/// same as on one server, as long as each command's or script's keys share one slot.
public final class RedisClient: Sendable {
    public let configuration: RedisConfiguration
    private let lanes: [RedisLane]
    private let router: ClusterRouter?
    private let next = Atomic<Int>(0)

    public init(configuration: RedisConfiguration) {
        self.configuration = configuration
        let scripts = ScriptCache()
        if configuration.cluster {
            lanes = []
            router = ClusterRouter(configuration: configuration, scripts: scripts)
        } else {
            lanes = (0..<max(1, configuration.poolSize)).map { _ in
                RedisLane(scripts: scripts) { () throws(RedisError) -> RedisConnection in
                    try RedisConnection(configuration: configuration)
                }
            }
            router = nil
        }
    }

    public func shutdown() async {
        for lane in lanes { await lane.shutdown() }
        await router?.shutdown()
    }

    /// Runs `body` with a connection to itself, between the round trips of one lane (on a
    /// cluster, a connection to the node serving `key`, or any node without one).
    public func withConnection(
        key: String? = nil,
        _ body: @escaping @Sendable (RedisConnection) throws(RedisError) -> [RedisValue]
    ) async throws(RedisError) -> [RedisValue] {
        if let router { return try await router.exclusive(key: key, body) }
        return try await lane().run(.exclusive(body))
    }

    public func command(_ arguments: [String]) async throws(RedisError) -> RedisValue {
        if let router { return try await router.run([.command(arguments)])[0] }
        return try await lane().run(.commands([arguments]))[0]
    }

    /// All commands in one round trip, in order; error replies as `.error` values. (On a
    /// cluster, one round trip per node the commands' keys live on, all at once.)
    public func pipeline(_ commands: [[String]]) async throws(RedisError) -> [RedisValue] {
        guard !commands.isEmpty else { return [] }
        if let router { return try await router.run(commands.map { .command($0) }) }
        return try await lane().run(.commands(commands))
    }

    /// Runs scripts in one round trip with EVALSHA, loading any the server has forgotten; with
    /// `wait`, confirmed only once replicas acknowledged them (see ``ReplicaWait``).
    public func evaluate(_ calls: [ScriptCall], wait: ReplicaWait? = nil) async throws(RedisError) -> [RedisValue] {
        guard !calls.isEmpty else { return [] }
        if let router { return try await router.run(calls.map { .script(ClusterRouter.clusterCall($0)) }, wait: wait) }
        return try await lane().run(.scripts(calls), wait: wait)
    }

    public func evaluate(_ call: ScriptCall) async throws(RedisError) -> RedisValue {
        let reply = try await evaluate([call])[0]
        if case .error(let message) = reply { throw RedisError.server(message) }
        return reply
    }

    /// `keys` grouped so that one blocking command (BLPOP) can wait on each group: all of them on
    /// a single server, one group per slot in a cluster (Redis refuses a command over several
    /// slots even when one node serves them all).
    package func blockingGroups(for keys: [String]) async throws(RedisError) -> [(node: NodeAddress, keys: [String])] {
        if let router { return try await router.slotGroups(for: keys) }
        return [(NodeAddress(host: configuration.host, port: configuration.port), keys)]
    }

    /// The servers holding data: on a cluster its masters, else the one server. (For walking
    /// every key, as `SCAN` does one node at a time.)
    package func dataNodes() async throws(RedisError) -> [NodeAddress] {
        if let router { return try await router.masters() }
        return [NodeAddress(host: configuration.host, port: configuration.port)]
    }

    /// A command sent to one node (in a cluster, the node named, whatever its keys; on a single
    /// server, the server).
    package func command(_ arguments: [String], on node: NodeAddress) async throws(RedisError) -> RedisValue {
        if let router { return try await router.command(arguments, on: node) }
        return try await command(arguments)
    }

    /// Connections made to Redis so far by every lane. It grows after a reconnect, e.g. when
    /// Redis restarted, which is when state cached about its contents may be stale.
    public var connectionsMade: Int {
        lanes.reduce(0) { $0 + $1.connections.load(ordering: .relaxed) } + (router?.connectionsMade ?? 0)
    }

    /// PING: whether Redis answers.
    public func ping() async -> Bool {
        (try? await checkReady()) ?? false
    }

    /// PING for a readiness probe: an error reply (NOAUTH, WRONGPASS), which the client returns
    /// rather than throws, is thrown, so the probe can log why Redis is not ready.
    public func checkReady() async throws(RedisError) -> Bool {
        let reply = try await command(["PING"])
        if case .error(let message) = reply { throw RedisError(code: .server, message: message) }
        return reply.string == "PONG"
    }

    /// The idle lane if there is one, else the next in turn: requests spread over the
    /// connections while load is light, and pile into shared round trips when it is heavy.
    private func lane() -> RedisLane {
        let start = next.wrappingAdd(1, ordering: .relaxed).oldValue
        for offset in 0..<lanes.count {
            let lane = lanes[(start + offset) % lanes.count]
            if lane.depth == 0 { return lane }
        }
        return lanes[start % lanes.count]
    }
}
