import Synchronization

/// Redis Cluster for ``RedisClient``: every command and script goes to the master that owns its
/// first key's slot, over that node's own pipelining lanes (``RedisLane``, as many per node as
/// the client's pool size); a batch whose entries live on several nodes is split, sent to each
/// node at once, and its replies put back in order.
///
/// The slot map (``SlotMap``) is read with `CLUSTER SLOTS` on first use from the seed or any node
/// known so far. `MOVED` refreshes it and sends the entry again to the node named; `ASK` sends
/// the entry once more to the node named, preceded by `ASKING` on the same connection; both at
/// most ``maxRedirections`` times (the entry did not run, so repeating it is safe). `TRYAGAIN`
/// (a slot half-moved) is waited out (``maxTryAgainWaits``). A failed connection
/// marks the map stale, so the next call reads it again from the nodes the old map names (a
/// failover moves slots to a replica); the failure itself reaches the caller, as it does
/// without a cluster.
final class ClusterRouter: Sendable {
    /// One command or script of a batch.
    enum Entry: Sendable {
        case command([String])
        case script(ScriptCall)

        var key: String? {
            switch self {
            case .command(let arguments): CommandRouting.key(of: arguments)
            case .script(let call): call.keys.first
            }
        }
    }

    /// A script call as it runs on a cluster (``LuaScript/withoutIndexes``), with one more key
    /// in its slot that never exists (``slotGuardSuffix``).
    ///
    /// The scripts read and write per-job keys they do not declare. While a slot moves (`redis-cli
    /// --cluster reshard` sends its keys a few at a time), a script running on either node could
    /// find some of them gone, and Redis stops it at the first such key with its earlier writes
    /// kept: a job popped from a ready list and then lost. A declared key that is missing makes
    /// both nodes refuse the script before it starts while the slot is migrating (`ASK`, then
    /// `TRYAGAIN` on the importing node), and means nothing once the slot has settled; the router
    /// waits the move out (``maxTryAgainWaits``).
    static func clusterCall(_ call: ScriptCall) -> ScriptCall {
        var call = call
        call.script = call.script.withoutIndexes
        if let first = call.keys.first, let guardKey = HashSlot.keyBeside(first, suffix: slotGuardSuffix) {
            call.keys.append(guardKey)
        }
        return call
    }

    /// Ends the key that guards each script call's slot; nothing writes it.
    static let slotGuardSuffix = ":slot-moving-guard"

    static let maxRedirections = 5
    /// `TRYAGAIN` (the slot is moving and the node does not hold all of the call's keys) is
    /// answered by waiting and sending again: 10 ms, doubling to 200 ms, about 1.5 s in all
    /// before the caller sees it.
    static let maxTryAgainWaits = 10

    private struct State {
        var map: SlotMap?
        /// Set when a connection failed: the next call reads the map again (the old one still
        /// names the nodes to ask, the seed may be the node that failed).
        var stale = false
        /// Bumped on every refresh, so callers that saw `MOVED` against the same map refresh once.
        var generation = 0
        var lanes: [NodeAddress: [RedisLane]] = [:]
        var next = 0
        /// Set by ``shutdown()``: no lane is made after it.
        var closed = false
    }

    private let configuration: RedisConfiguration
    private let seeds: [NodeAddress]
    private let scripts: ScriptCache
    private let state = Mutex(State())

    init(configuration: RedisConfiguration, scripts: ScriptCache) {
        self.configuration = configuration
        self.seeds =
            [NodeAddress(host: configuration.host, port: configuration.port)]
            + configuration.moreSeeds.compactMap { seed in
                guard let colon = seed.lastIndex(of: ":"), let port = Int(seed[seed.index(after: colon)...]) else { return nil }
                return NodeAddress(host: String(seed[..<colon]), port: port)
            }
        self.scripts = scripts
    }

    func shutdown() async {
        let lanes = state.withLock { state in
            state.closed = true
            return state.lanes.values.flatMap { $0 }
        }
        for lane in lanes { await lane.shutdown() }
    }

    var connectionsMade: Int {
        state.withLock { $0.lanes.values.joined().reduce(0) { $0 + $1.connections.load(ordering: .relaxed) } }
    }

    /// Runs `entries` (all commands or all scripts) on the nodes that own their keys; replies in
    /// the entries' order, error replies as `.error` values. With `wait`, each node's share is
    /// confirmed by its replicas (see ``ReplicaWait``).
    func run(_ entries: [Entry], wait: ReplicaWait? = nil) async throws(RedisError) -> [RedisValue] {
        var replies = [RedisValue](repeating: .null, count: entries.count)
        var pending = Array(entries.indices)
        var asking: [Int: NodeAddress] = [:]
        // Where `MOVED` sent an entry: the node that said so knows better than a map read from a
        // node the news has not reached yet.
        var movedTo: [Int: NodeAddress] = [:]
        var (map, generation) = try await currentMap()
        var redirections = 0
        var waits = 0
        while true {
            var groups: [NodeAddress: [Int]] = [:]
            for index in pending {
                groups[asking[index] ?? movedTo[index] ?? node(for: entries[index], in: map), default: []].append(index)
            }
            let answered = try await send(groups, entries: entries, asking: asking, wait: wait)
            var redirected: [Int] = []
            var moved = false
            var wait = false
            for (index, reply, answeredBy) in answered {
                if waits < Self.maxTryAgainWaits, case .error(let message) = reply, message.hasPrefix("TRYAGAIN") {
                    // The call did not run: the slot is moving. Ask the same node again after a
                    // pause (the importing one after `ASKING`: it answers `MOVED` if the move is
                    // called off).
                    redirected.append(index)
                    wait = true
                } else if redirections < Self.maxRedirections, var redirection = Redirection(reply) {
                    redirected.append(index)
                    // A node announced without an address (`ASK 12 :6380`) is on the host that answered.
                    if redirection.node.host.isEmpty { redirection.node.host = answeredBy.host }
                    switch redirection.kind {
                    case .moved:
                        moved = true
                        asking[index] = nil
                        movedTo[index] = redirection.node
                    case .ask:
                        asking[index] = redirection.node
                    }
                } else {
                    replies[index] = reply
                }
            }
            if redirected.isEmpty { break }
            if wait {
                try? await Task.sleep(for: .milliseconds(min(10 << waits, 200)))
                waits += 1
            } else {
                redirections += 1
            }
            if moved { (map, generation) = try await refresh(after: generation) }
            pending = redirected
        }
        return replies
    }

    /// A body that needs a connection to itself, on the node serving `key` (any node without one).
    func exclusive(
        key: String?,
        _ body: @escaping @Sendable (RedisConnection) throws(RedisError) -> [RedisValue]
    ) async throws(RedisError) -> [RedisValue] {
        let (map, _) = try await currentMap()
        let address = key.map { node(for: HashSlot(key: $0), in: map) } ?? anyNode(in: map)
        return try await guarded { () async throws(RedisError) -> [RedisValue] in try await self.lane(for: address).run(.exclusive(body)) }
    }

    /// `keys` grouped by slot (a blocking command may only wait on keys of one slot), each with
    /// the master serving it, in order of first appearance.
    func slotGroups(for keys: [String]) async throws(RedisError) -> [(node: NodeAddress, keys: [String])] {
        let (map, _) = try await currentMap()
        var groups: [(slot: HashSlot, node: NodeAddress, keys: [String])] = []
        for key in keys {
            let slot = HashSlot(key: key)
            if let index = groups.firstIndex(where: { $0.slot == slot }) {
                groups[index].keys.append(key)
            } else {
                groups.append((slot, node(for: slot, in: map), [key]))
            }
        }
        return groups.map { ($0.node, $0.keys) }
    }

    /// The masters of the current map.
    func masters() async throws(RedisError) -> [NodeAddress] {
        try await currentMap().0.masters.map(Self.address)
    }

    /// A command for one node, whatever its keys.
    func command(_ arguments: [String], on node: NodeAddress) async throws(RedisError) -> RedisValue {
        if state.withLock({ $0.closed }) { throw RedisLane.shutdownError }
        return try await guarded { () async throws(RedisError) -> [RedisValue] in try await self.lane(for: node).run(.commands([arguments])) }[0]
    }

    // MARK: - Sending

    /// A reply to the entry at an index, and the node that gave it.
    private typealias Answer = (index: Int, reply: RedisValue, node: NodeAddress)

    /// Each node's share of a batch at once.
    private func send(
        _ groups: [NodeAddress: [Int]],
        entries: [Entry],
        asking: [Int: NodeAddress],
        wait: ReplicaWait?
    ) async throws(RedisError) -> [Answer] {
        if groups.count == 1, let (address, indices) = groups.first {
            return try await sendGroup(address, indices, entries: entries, asking: asking, wait: wait)
        }
        let results = await withTaskGroup(of: Result<[Answer], RedisError>.self) { tasks in
            for (address, indices) in groups {
                tasks.addTask {
                    do throws(RedisError) {
                        return .success(try await self.sendGroup(address, indices, entries: entries, asking: asking, wait: wait))
                    } catch {
                        return .failure(error)
                    }
                }
            }
            var all: [Result<[Answer], RedisError>] = []
            for await result in tasks { all.append(result) }
            return all
        }
        var answered: [Answer] = []
        for result in results { answered += try result.get() }
        return answered
    }

    private func sendGroup(
        _ address: NodeAddress,
        _ indices: [Int],
        entries: [Entry],
        asking: [Int: NodeAddress],
        wait: ReplicaWait?
    ) async throws(RedisError) -> [Answer] {
        let lane = lane(for: address)
        let work: RedisLane.Work
        if indices.contains(where: { asking[$0] != nil }) {
            // ASKING holds for the one command after it on the same connection, so each such entry
            // goes with its own ASKING in a round trip of its own; scripts as EVAL, which needs no
            // script cache on a node that may never have run it.
            let commands = indices.map { index in Self.askingCommand(entries[index]) }
            work = .exclusive { connection throws(RedisError) in
                try connection.pipeline(commands.flatMap { [["ASKING"], $0] }).enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
            }
        } else if case .script = entries[indices[0]] {
            work = .scripts(
                indices.map { index in
                    guard case .script(let call) = entries[index] else { preconditionFailure("a batch mixes scripts and commands") }
                    return call
                }
            )
        } else {
            work = .commands(
                indices.map { index in
                    guard case .command(let arguments) = entries[index] else { preconditionFailure("a batch mixes scripts and commands") }
                    return arguments
                }
            )
        }
        let replies = try await guarded { () async throws(RedisError) -> [RedisValue] in try await lane.run(work, wait: wait) }
        return zip(indices, replies).map { (index: $0, reply: $1, node: address) }
    }

    private static func askingCommand(_ entry: Entry) -> [String] {
        switch entry {
        case .command(let arguments): arguments
        case .script(let call): ["EVAL", call.script.source, String(call.keys.count)] + call.keys + call.arguments
        }
    }

    /// Runs `body`; a connection that fails marks the map stale, so the next call reads it again.
    private func guarded(_ body: () async throws(RedisError) -> [RedisValue]) async throws(RedisError) -> [RedisValue] {
        do {
            return try await body()
        } catch {
            if error.code == .connectionFailed || error.code == .connectionBroken {
                state.withLock { $0.stale = true }
            }
            throw error
        }
    }

    // MARK: - Nodes and the map

    private func node(for entry: Entry, in map: SlotMap) -> NodeAddress {
        entry.key.map { node(for: HashSlot(key: $0), in: map) } ?? anyNode(in: map)
    }

    /// The master serving `slot`, or any node while none does (its reply then says why).
    private func node(for slot: HashSlot, in map: SlotMap) -> NodeAddress {
        map.master(for: slot).map(Self.address) ?? anyNode(in: map)
    }

    private func anyNode(in map: SlotMap) -> NodeAddress {
        map.masters.first.map(Self.address) ?? seeds[0]
    }

    private static func address(_ node: SlotMap.Node) -> NodeAddress { NodeAddress(host: node.host, port: node.port) }

    /// The node's lanes (made on first use), the idle one if any, else the next in turn.
    private func lane(for address: NodeAddress) -> RedisLane {
        state.withLock { state in
            let lanes: [RedisLane]
            if let known = state.lanes[address] {
                lanes = known
            } else {
                var settings = configuration
                settings.host = address.host
                settings.port = address.port
                let node = settings
                lanes = (0..<max(1, configuration.poolSize)).map { _ in
                    RedisLane(scripts: scripts) { () throws(RedisError) -> RedisConnection in try RedisConnection(configuration: node) }
                }
                state.lanes[address] = lanes
            }
            state.next &+= 1
            return lanes.first { $0.depth == 0 } ?? lanes[state.next % lanes.count]
        }
    }

    private func currentMap() async throws(RedisError) -> (SlotMap, Int) {
        let (cached, stale, generation, closed) = state.withLock { ($0.map, $0.stale, $0.generation, $0.closed) }
        if closed { throw RedisLane.shutdownError }
        if let cached, !stale { return (cached, generation) }
        return try await refresh(after: generation)
    }

    /// Reads the map again unless someone else did since `generation`: from every node of the
    /// last map (masters, then replicas: after a failover a replica is the one that knows), then
    /// the seeds, the first that answers with a map serving some slots.
    private func refresh(after generation: Int) async throws(RedisError) -> (SlotMap, Int) {
        let (current, known) = state.withLock { state -> ((SlotMap, Int)?, [NodeAddress]) in
            if state.generation > generation, !state.stale, let map = state.map { return ((map, state.generation), []) }
            let nodes = (state.map?.masters ?? []) + (state.map?.ranges.flatMap(\.replicas) ?? [])
            return (nil, nodes.map(Self.address))
        }
        if let current { return current }
        var candidates = known
        for seed in seeds where !candidates.contains(seed) { candidates.append(seed) }
        var lastError = RedisError(code: .connectionFailed, message: "no cluster node to ask for the slot map")
        for address in candidates {
            do throws(RedisError) {
                let reply = try await lane(for: address).run(.commands([["CLUSTER", "SLOTS"]]))[0]
                if case .error(let message) = reply { throw RedisError.server("CLUSTER SLOTS on \(address): \(message)") }
                let map = try SlotMap(clusterSlots: reply, answeredBy: address.host)
                guard !map.ranges.isEmpty else {
                    throw RedisError(code: .notServing, message: "\(address) serves no slots yet (the cluster is being created)")
                }
                return state.withLock { state in
                    state.map = map
                    state.stale = false
                    state.generation += 1
                    return (map, state.generation)
                }
            } catch {
                lastError = error
            }
        }
        throw lastError
    }
}
