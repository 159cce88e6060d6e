import ForgeCore

/// Every Redis key Forge uses, derived in one place.
///
/// All keys of one queue share the hash tag `{<queue>}`, so each script touches a single slot and
/// the layout runs unchanged on Redis Cluster. `namespace` (default `forge`) lets tests and
/// several Forge installations share one Redis without seeing each other.
public struct KeySpace: Sendable, Hashable {
    public var namespace: String

    public init(namespace: String = "forge") { self.namespace = namespace }

    public func queue(_ name: QueueName) -> QueueKeys { QueueKeys(namespace: namespace, queue: name) }

    /// SET of known queue names (global, cold: written on enqueue, read by admin and `*` workers).
    public var queues: String { "\(namespace):queues" }
    /// SET of the registered queues whose ``QueueName/tag`` is `tag` (global, cold: written when a
    /// queue is registered or deleted), so a job's queue is found from its id in O(1).
    public func queueTag(_ tag: UInt16) -> String {
        let hex = String(tag, radix: 16)
        return "\(namespace):queuetag:" + String(repeating: "0", count: 4 - hex.count) + hex
    }
    /// ZSET of queues the leader must visit to promote or reclaim, score = the earliest time it
    /// can find work there (the queue's first scheduled, retry or lease-deadline score, or
    /// earlier). Scripts that add such a score lower it (`ZADD LT`); the promote and reclaim
    /// scripts set it exactly. The promoter and reclaimer read the due part instead of visiting
    /// every queue on a timer, so an idle installation costs the same with 1 or 1 000 queues.
    /// Written by scripts of every queue: on a Redis Cluster this becomes one index per node.
    public var due: String { "\(namespace):due" }
    /// SET of queues whose event stream holds entries history does not have yet: every script
    /// that writes events adds its queue, and the archived script removes it once the stream is
    /// empty. The archiver and the history-backlog sampler read it instead of every queue.
    public var unarchived: String { "\(namespace):unarchived" }
    /// The scheduler leader lock.
    public var leader: String { "\(namespace):leader" }
    /// STRING: the generation of this Redis's data, the same as Postgres history's
    /// (``RedisLossWatch``): missing or different, Redis lost jobs history can give back.
    public var generation: String { "\(namespace):generation" }
    /// The last leader fencing token handed out. Its hash tag is the lock's own name, so it
    /// lives in the lock's slot and one script takes the lock and draws the epoch together.
    public var leaderEpoch: String { "\(namespace):{\(leader)}:epoch" }
    /// ZSET of worker names, score = when each last reported (Unix ms): who is alive is a range
    /// read, and entries of workers gone for good are trimmed by the reports of the others.
    public var workers: String { "\(namespace):workers" }
    /// HASH describing one worker (``WorkerPresence``), expiring a few report intervals after its
    /// last report, so a crashed worker leaves nothing behind.
    public func worker(_ name: String) -> String { "\(namespace):worker:\(name)" }
    /// STRING per Forge Web session signed out before it expired (by its nonce), living until
    /// the session would have expired: a copied cookie stops working at sign-out.
    public func webSignedOut(_ nonce: String) -> String { "\(namespace):web:signed-out:\(nonce)" }
}

/// The keys of one queue.
public struct QueueKeys: Sendable, Hashable {
    public let queue: QueueName
    /// `forge:{q}:`; scripts derive per-job keys from it (`<prefix>job:<id>`, `<prefix>unique:<key>`).
    public let prefix: String

    init(namespace: String, queue: QueueName) {
        self.queue = queue
        prefix = "\(namespace):{\(queue.rawValue)}:"
    }

    /// LIST of runnable job ids at one priority, FIFO (RPUSH, LPOP). Leasing drains the
    /// highest priority first. Lists beat one scored ZSET here: O(1) push and pop, no score to
    /// compute per job, and strict priority falls out of the order the lists are read in.
    public func ready(_ priority: Int) -> String { prefix + "ready:\(priority)" }
    /// All ten ready lists, highest priority first.
    public var readyLists: [String] { (0...9).reversed().map(ready) }
    /// ZSET of leased job ids, score = lease deadline (ms).
    public var leased: String { prefix + "leased" }
    /// Counter handing out lease fencing tokens.
    public var leaseSeq: String { prefix + "lease:seq" }
    /// ZSET of jobs waiting for their first run, score = run_at (ms).
    public var scheduled: String { prefix + "scheduled" }
    /// ZSET of jobs waiting to be retried, score = next attempt (ms).
    public var retry: String { prefix + "retry" }
    /// ZSET of dead letters, score = time of death (ms).
    public var dead: String { prefix + "dead" }
    /// Exists while the queue is paused.
    public var paused: String { prefix + "paused" }
    /// Exists while the queue's unarchived history is over its limit: enqueue is refused
    /// (back-pressure) until the archiver catches up. Set and cleared by the scheduler leader.
    public var backpressure: String { prefix + "backpressure" }
    /// The newest scheduler leader epoch that ran a duty on this queue (fencing).
    public var fence: String { prefix + "fence" }
    /// STREAM of job events for the history archiver.
    public var events: String { prefix + "events" }
    /// LIST idle workers block on; scripts push a token when work becomes ready.
    public var wake: String { prefix + "wake" }
    /// HASH of counters (enqueued, completed, retried, dead…).
    public var stats: String { prefix + "stats" }
    /// Exists while the queue is in the registry (``KeySpace/queues``); the enqueue script refuses
    /// a queue without it, so jobs never land in a queue nobody knows about (see ``QueueStore``).
    public var registered: String { prefix + "registered" }

    public func job(_ id: JobID) -> String { prefix + "job:" + id.rawValue }

    /// Every per-queue structure (not the per-job hashes and unique keys, which expire).
    public var structures: [String] {
        readyLists + [leased, leaseSeq, scheduled, retry, dead, paused, backpressure, fence, events, wake, stats, registered]
    }
}
