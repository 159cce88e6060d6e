import ForgeCore
import NIOPosix
import Synchronization

/// Lets an idle worker sleep until work arrives instead of polling.
///
/// The enqueue, promote, reclaim, revive and resume scripts push tokens onto each queue's `wake`
/// list; an idle worker blocks on BLPOP over its queues' lists. BLPOP holds its connection for the
/// whole wait, so the listener owns one connection and one thread of its own and never borrows the
/// shared pool. A token may be stale (another worker took the job): the worker just leases nothing
/// and waits again.
///
/// On a Redis Cluster one BLPOP cannot span the slots of several queues (not even on one node), so
/// the listener blocks on each slot's share of the keys at once, on connections of its own (at most
/// ``maxBlockedSlots`` per wait: the first slots of the caller's order, which the worker rotates,
/// and always the last key's, the worker's interrupt; the worker's periodic check for ready jobs
/// covers queues past them). The first token ends the wait: the other BLPOPs are ended with
/// `CLIENT UNBLOCK` (they pop nothing; repeated until each has returned, as one may reach its
/// server after the first unblock), and a token another one popped in the same instant is pushed
/// back, so no wake-up is lost.
public final class WakeListener: Sendable {
    /// The most BLPOPs one wait runs at once on a cluster (each a connection and a thread).
    public static let maxBlockedSlots = 16
    /// How often BLPOPs still waiting after the first token are unblocked again.
    static let unblockRetry = Duration.milliseconds(10)

    private let client: RedisClient
    private let keys: KeySpace
    /// By node and position among that node's BLPOPs in a wait.
    private let listeners = Mutex<[String: NodeListener]>([:])

    public init(client: RedisClient, keys: KeySpace = KeySpace()) {
        self.client = client
        self.keys = keys
    }

    public func shutdown() async {
        let all = listeners.withLock { Array($0.values) }
        for listener in all { await listener.shutdown() }
    }

    /// Waits up to `timeoutMs` for a token on any of `queues`; returns the queue that has work,
    /// or `nil` on timeout.
    public func wait(for queues: [QueueName], timeoutMs: Int) async throws(RedisError) -> QueueName? {
        guard !queues.isEmpty else { return nil }
        var groups = try await client.blockingGroups(for: queues.map { keys.queue($0).wake })
        if groups.count > Self.maxBlockedSlots {
            let last = groups.removeLast()
            groups = Array(groups.prefix(Self.maxBlockedSlots - 1)) + [last]
        }
        // Each BLPOP on a connection of its own: the i-th group of a node on that node's i-th.
        var perNode: [NodeAddress: Int] = [:]
        let listeners = groups.map { group in
            defer { perNode[group.node, default: 0] += 1 }
            return listener(group.node, perNode[group.node, default: 0])
        }
        let key: String?
        if groups.count == 1 {
            key = try await listeners[0].pop(groups[0].keys, timeoutMs: timeoutMs)
        } else {
            key = try await popAny(zip(listeners, groups.map(\.keys)).map { $0 }, timeoutMs: timeoutMs)
        }
        guard let key else { return nil }
        return queues.first { keys.queue($0).wake == key }
    }

    /// Blocks on every group at once; the first token wins, the rest are unblocked.
    private func popAny(_ groups: [(NodeListener, [String])], timeoutMs: Int) async throws(RedisError) -> String? {
        let nodes = groups.map(\.0)
        let (popped, failure) = await withTaskGroup(of: Result<String?, RedisError>.self) { tasks in
            for (listener, keys) in groups {
                tasks.addTask {
                    do throws(RedisError) {
                        return .success(try await listener.pop(keys, timeoutMs: timeoutMs))
                    } catch {
                        return .failure(error)
                    }
                }
            }
            var popped: [String] = []
            var failure: RedisError?
            var unblocker: Task<Void, Never>?
            for await result in tasks {
                switch result {
                case .success(nil): continue
                case .success(let key?): popped.append(key)
                case .failure(let error): failure = failure ?? error
                }
                if unblocker == nil {
                    // Again and again until every BLPOP has returned: one that reaches its server
                    // after the `CLIENT UNBLOCK` (its thread late to start, its node slow to
                    // answer) would otherwise hold the wait for its whole timeout. Unblocking a
                    // connection that is not blocked does nothing.
                    unblocker = Task { [client] in
                        while !Task.isCancelled {
                            for listener in nodes { await listener.unblock(through: client) }
                            try? await Task.sleep(for: Self.unblockRetry)
                        }
                    }
                }
            }
            // Ended before the next wait can start, so no late unblock reaches its BLPOPs.
            unblocker?.cancel()
            await unblocker?.value
            return (popped, failure)
        }
        // Tokens popped after the first would be lost wake-ups: give them back.
        for key in popped.dropFirst() { _ = try? await client.command(["RPUSH", key, "1"]) }
        if let first = popped.first { return first }
        if let failure { throw failure }
        return nil
    }

    private func listener(_ node: NodeAddress, _ position: Int) -> NodeListener {
        listeners.withLock { listeners in
            let name = "\(node)#\(position)"
            if let known = listeners[name] { return known }
            var settings = client.configuration
            settings.host = node.host
            settings.port = node.port
            let made = NodeListener(node: node, configuration: settings)
            listeners[name] = made
            return made
        }
    }
}

/// One node's blocking connection, on a thread of its own.
private final class NodeListener: Sendable {
    let node: NodeAddress
    private let thread: NIOThreadPool
    private let configuration: RedisConfiguration
    private let connection = ConnectionSlot()
    /// The connection's `CLIENT ID`, for `CLIENT UNBLOCK`; 0 before the first connection.
    private let clientID = Atomic<Int64>(0)

    init(node: NodeAddress, configuration: RedisConfiguration) {
        self.node = node
        self.configuration = configuration
        thread = NIOThreadPool(numberOfThreads: 1)
        thread.start()
    }

    func shutdown() async {
        try? await thread.shutdownGracefully()
    }

    /// BLPOP over `keys` for up to `timeoutMs`: the key a token came from, or `nil`.
    func pop(_ keys: [String], timeoutMs: Int) async throws(RedisError) -> String? {
        let ms = max(timeoutMs, 1)
        let fraction = String(ms % 1000)
        let seconds = "\(ms / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
        let command = ["BLPOP"] + keys + [seconds]
        let reply: RedisValue
        do {
            reply = try await thread.runIfActive { [self] in
                // The socket timeout must outlast the BLPOP timeout, or hiredis gives up first.
                let conn = try connection.get { () throws(RedisError) -> RedisConnection in
                    let made = try RedisConnection(configuration: configuration, timeoutMs: timeoutMs + configuration.timeoutMs)
                    self.clientID.store(try made.command(["CLIENT", "ID"]).int ?? 0, ordering: .relaxed)
                    return made
                }
                do {
                    return try conn.command(command)
                } catch {
                    connection.drop()
                    throw error
                }
            }
        } catch let error as RedisError {
            throw error
        } catch {
            throw RedisError(code: .shutdown, message: "wake listener is shut down")
        }
        if case .error(let message) = reply { throw RedisError.server("BLPOP on \(node): \(message)") }
        guard let pair = reply.array, pair.count == 2 else { return nil }
        return pair[0].string
    }

    /// Ends this node's BLPOP, if one is waiting, without popping anything. One that has not
    /// reached the server yet waits out its timeout: a late wake-up, never a lost one.
    func unblock(through client: RedisClient) async {
        let id = clientID.load(ordering: .relaxed)
        guard id != 0 else { return }
        _ = try? await client.command(["CLIENT", "UNBLOCK", String(id)], on: node)
    }
}
