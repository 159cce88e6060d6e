/// Which workers are alive: each running worker reports itself every few seconds
/// (``WorkerPresence``), and readers (the web UI) list the ones that reported recently.
///
/// Two structures: the ZSET ``KeySpace/workers`` (name → last report) makes "who reported since
/// t" one range read, and one HASH per worker (``KeySpace/worker(_:)``) holds the details and
/// expires a few intervals after the last report. A worker that crashes leaves a ZSET entry that
/// readers skip once stale and that later reports trim; its hash expires by itself. Every
/// command touches one key, so the same calls work on Redis Cluster (a pipeline there is one
/// round trip per node, all at once).
public struct WorkerRegistry: Sendable {
    public let redis: RedisClient
    public let keys: KeySpace

    /// How often a worker reports by default.
    public static let defaultIntervalMs: Int64 = 5_000
    /// ZSET entries older than this are removed by any report: a crashed worker's name does not
    /// stay in the index for ever.
    public static let forgetAfterMs: Int64 = 3_600_000

    public init(redis: RedisClient, keys: KeySpace = KeySpace()) {
        self.redis = redis
        self.keys = keys
    }

    /// Records `presence` as of `now` (Unix ms) in one round trip; its hash lives for three
    /// intervals (`intervalMs`) unless the next report renews it.
    public func report(
        _ presence: WorkerPresence,
        now: Int64,
        intervalMs: Int64 = WorkerRegistry.defaultIntervalMs
    ) async throws(RedisError) {
        try await report([presence], now: now, intervalMs: intervalMs)
    }

    /// ``report(_:now:intervalMs:)`` for several workers (a gateway's lease API clients), in
    /// round trips of at most 500 workers.
    public func report(_ presences: [WorkerPresence], now: Int64, intervalMs: Int64 = WorkerRegistry.defaultIntervalMs) async throws(RedisError) {
        for start in stride(from: 0, to: presences.count, by: 500) {
            var commands: [[String]] = []
            for var presence in presences[start..<min(presences.count, start + 500)] {
                presence.seenAtMs = now
                let hash = keys.worker(presence.name)
                commands.append(["ZADD", keys.workers, String(now), presence.name])
                commands.append(["HSET", hash] + presence.fields)
                commands.append(["PEXPIRE", hash, String(max(1, intervalMs) * 3)])
            }
            commands.append(["ZREMRANGEBYSCORE", keys.workers, "-inf", "(\(now - Self.forgetAfterMs)"])
            let replies = try await redis.pipeline(commands)
            for case .error(let message) in replies { throw RedisError.server(message) }
        }
    }

    /// Takes a worker out at once (graceful stop), rather than a few intervals later.
    public func remove(name: String) async throws(RedisError) {
        let replies = try await redis.pipeline([["ZREM", keys.workers, name], ["DEL", keys.worker(name)]])
        for case .error(let message) in replies { throw RedisError.server(message) }
    }

    /// The workers that reported within `staleAfterMs` of `now`, at most `limit`, sorted by name;
    /// two round trips. A name whose hash has expired (the worker stopped reporting just now) is
    /// left out.
    public func alive(
        now: Int64,
        staleAfterMs: Int64 = 3 * WorkerRegistry.defaultIntervalMs,
        limit: Int = 1000
    ) async throws(RedisError) -> [WorkerPresence] {
        let reply = try await redis.command([
            "ZRANGEBYSCORE", keys.workers, String(now - staleAfterMs), "+inf", "LIMIT", "0", String(max(0, limit)),
        ])
        if case .error(let message) = reply { throw RedisError.server(message) }
        let names = try reply.expectArray("ZRANGEBYSCORE workers").compactMap(\.string)
        guard !names.isEmpty else { return [] }
        let hashes = try await redis.pipeline(names.map { ["HGETALL", keys.worker($0)] })
        return zip(names, hashes).compactMap { WorkerPresence(name: $0, reply: $1) }.sorted { $0.name < $1.name }
    }
}

extension QueueStore {
    /// The worker registry on the same Redis and namespace.
    public var workerRegistry: WorkerRegistry { WorkerRegistry(redis: redis, keys: keys) }
}
