import NIOPosix
import Synchronization

/// One hiredis connection on a thread of its own that pipelines whatever its callers have queued:
/// each round trip carries every request that arrived while the previous one was on the wire
/// (ioredis calls this auto-pipelining). Many concurrent callers then cost a few round trips and
/// system calls instead of one each, and nobody waits for a free connection.
///
/// A request's commands stay together and in order within the round trip, so a caller's own
/// pipeline means what it meant on an exclusive connection. Blocking commands (BLPOP) must not
/// come here: they would stall every caller behind them (``WakeListener`` has its own connection).
final class RedisLane: Sendable {
    /// What one caller wants done in a round trip.
    enum Work: Sendable {
        case commands([[String]])
        /// Script calls by EVALSHA, loaded on NOSCRIPT and repeated (see ``ScriptCache``).
        case scripts([ScriptCall])
        /// A body that needs the connection to itself (rare; it runs between round trips).
        case exclusive(@Sendable (RedisConnection) throws(RedisError) -> [RedisValue])
    }

    private struct Request: Sendable {
        var work: Work
        /// Confirm only after replicas acknowledged the round trip's writes.
        var wait: ReplicaWait?
        var continuation: CheckedContinuation<Result<[RedisValue], RedisError>, Never>
    }

    private struct State {
        var queue: [Request] = []
        var running = false
    }

    private let thread: NIOThreadPool
    private let connection = ConnectionSlot()
    private let connect: @Sendable () throws(RedisError) -> RedisConnection
    private let scripts: ScriptCache
    private let state = Mutex(State())
    /// Connections made so far: a new one after the first means Redis may have restarted (and
    /// lost whatever was not persisted).
    let connections: Atomic<Int>

    init(scripts: ScriptCache, connect: @escaping @Sendable () throws(RedisError) -> RedisConnection) {
        self.scripts = scripts
        self.connect = connect
        connections = Atomic(0)
        thread = NIOThreadPool(numberOfThreads: 1)
        thread.start()
    }

    func shutdown() async {
        try? await thread.shutdownGracefully()
        // Requests queued after the thread stopped never run: fail them rather than leave them waiting.
        let stranded = state.withLock { state -> [Request] in
            defer { state.queue = [] }
            return state.queue
        }
        for request in stranded { request.continuation.resume(returning: .failure(Self.shutdownError)) }
        connection.drop()
    }

    /// Queued requests, for picking the least busy lane.
    var depth: Int { state.withLock { $0.queue.count + ($0.running ? 1 : 0) } }

    func run(_ work: Work, wait: ReplicaWait? = nil) async throws(RedisError) -> [RedisValue] {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<[RedisValue], RedisError>, Never>) in
            let start = state.withLock { state -> Bool in
                state.queue.append(Request(work: work, wait: wait, continuation: continuation))
                defer { state.running = true }
                return !state.running
            }
            if start { thread.submit { [self] status in drain(active: status == .active) } }
        }
        return try result.get()
    }

    /// Runs round trips on the lane's thread until the queue is empty.
    private func drain(active: Bool) {
        while true {
            let batch = state.withLock { state -> [Request] in
                if state.queue.isEmpty {
                    state.running = false
                    return []
                }
                defer { state.queue = [] }
                return state.queue
            }
            if batch.isEmpty { return }
            guard active else {
                for request in batch { request.continuation.resume(returning: .failure(Self.shutdownError)) }
                continue
            }
            execute(batch)
        }
    }

    private func execute(_ batch: [Request]) {
        let conn: RedisConnection
        do {
            conn = try connection.get { () throws(RedisError) -> RedisConnection in
                let made = try connect()
                connections.add(1, ordering: .relaxed)
                return made
            }
        } catch {
            for request in batch { request.continuation.resume(returning: .failure(error)) }
            return
        }
        var shared: [(request: Request, range: Range<Int>)] = []
        var commands: [[String]] = []
        var calls: [ScriptCall?] = []
        for request in batch {
            switch request.work {
            case .exclusive(let body):
                var result = Result { () throws(RedisError) in try body(conn) }
                if case .success(let replies) = result, Self.ran(replies), let wait = request.wait,
                    let failure = confirm([wait], on: conn).flatMap(wait.outcome)
                {
                    result = .failure(failure)
                }
                request.continuation.resume(returning: result)
            case .commands(let list):
                shared.append((request, commands.count..<commands.count + list.count))
                commands += list
                calls += Array(repeating: nil, count: list.count)
            case .scripts(let list):
                shared.append((request, commands.count..<commands.count + list.count))
                commands += list.map(scripts.command(for:))
                calls += list.map { $0 }
            }
        }
        guard !commands.isEmpty else { return }
        let replies: [RedisValue]
        do {
            replies = try scripts.complete(calls, commands: commands, replies: try conn.pipeline(commands), on: conn)
        } catch {
            connection.drop()
            for (request, _) in shared { request.continuation.resume(returning: .failure(error)) }
            return
        }
        // After every write of the round trip (scripts reloaded on NOSCRIPT included), so one
        // WAIT confirms them all. A request all of whose calls were refused (a cluster's `MOVED`:
        // nothing ran here) waits for nothing, and its replies go back to be redirected.
        let waiting = shared.filter { request, range in request.wait != nil && Self.ran(replies[range]) }
        let waited = confirm(waiting.compactMap(\.request.wait), on: conn)
        for (request, range) in shared {
            if Self.ran(replies[range]), let wait = request.wait, let waited, let failure = wait.outcome(waited) {
                request.continuation.resume(returning: .failure(failure))
            } else {
                request.continuation.resume(returning: .success(Array(replies[range])))
            }
        }
    }

    /// One `WAIT` covering `waits` on `conn`, after the writes it confirms; `nil` when none asks
    /// for replicas. A connection that failed mid-`WAIT` is dropped.
    private func confirm(_ waits: [ReplicaWait], on conn: RedisConnection) -> Result<RedisValue, RedisError>? {
        guard let command = ReplicaWait.command(covering: waits) else { return nil }
        let reply = Result { () throws(RedisError) in try conn.pipeline([command])[0] }
        if case .failure = reply { connection.drop() }
        return reply
    }

    /// Whether any of a request's calls ran (answered other than with an error reply).
    private static func ran(_ replies: some Collection<RedisValue>) -> Bool {
        replies.contains { if case .error = $0 { false } else { true } }
    }

    static let shutdownError = RedisError(code: .shutdown, message: "redis client is shut down")
}
