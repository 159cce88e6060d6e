import ForgeCore

extension QueueStore {
    /// Cancels a job; `queue` skips the lookup when the caller knows it.
    public func cancel(_ id: JobID, queue: QueueName? = nil) async throws(RedisError) -> CancelOutcome {
        guard let queue = try await locate(id, hint: queue) else { return .notFound }
        let reply = try await redis.evaluate(CancelScript.call(keys.queue(queue), id: id, retentionMs: unarchivedRetentionMs))
        return try CancelScript.parse(reply)
    }

    /// Registers a queue before its first job (to pause it, or aim a schedule at it), within
    /// `maxQueues` (``QueueError`` `queueLimit` when a new queue would exceed it); a queue that is
    /// registered already is left as it is.
    public func reserve(_ queue: QueueName, maxQueues: Int? = nil) async throws {
        guard try await register([queue], maxQueues: maxQueues).contains(queue) else {
            throw QueueError.queueLimit(queue, limit: maxQueues ?? 0)
        }
    }

    /// Pauses a queue, registering it first (``reserve(_:maxQueues:)``).
    public func pause(_ queue: QueueName, maxQueues: Int? = nil) async throws {
        try await reserve(queue, maxQueues: maxQueues)
        _ = try await redis.evaluate(PauseScript.call(keys.queue(queue), paused: true))
    }

    public func resume(_ queue: QueueName) async throws(RedisError) {
        _ = try await redis.evaluate(PauseScript.call(keys.queue(queue), paused: false))
    }

    /// Moves due scheduled and retrying jobs of `queue` to ready. `epoch` is the scheduler
    /// leader's fencing token (``QueueError`` `fenced` when a newer leader acted on the queue).
    public func promoteDue(_ queue: QueueName, limit: Int = 1000, epoch: Int64? = nil) async throws -> SweepOutcome {
        let call = PromoteScript.call(keys.queue(queue), limit: limit, epoch: epoch)
        return try PromoteScript.parse(try fenced(queue, try await evaluateRepeatable([call])[0]))
    }

    /// Returns expired leases of `queue` to ready (or the dead set when out of attempts).
    public func reclaimExpired(_ queue: QueueName, limit: Int = 1000, epoch: Int64? = nil) async throws -> SweepOutcome {
        let call = ReclaimScript.call(keys.queue(queue), limit: limit, retentionMs: unarchivedRetentionMs, epoch: epoch)
        return try ReclaimScript.parse(try fenced(queue, try await evaluateRepeatable([call])[0]))
    }

    /// Drops the oldest dead letters of `queue` beyond `cap` or older than `maxAgeMs` (0: no
    /// bound), at most `limit` per call; returns how many left and whether more are due.
    public func trimDeadLetters(
        _ queue: QueueName,
        cap: Int,
        maxAgeMs: Int64,
        limit: Int = 1000,
        epoch: Int64? = nil
    ) async throws -> (removed: Int, more: Bool) {
        let call = TrimDeadScript.call(keys.queue(queue), cap: cap, maxAgeMs: maxAgeMs, limit: limit, epoch: epoch)
        let reply = try fenced(queue, try await evaluateRepeatable([call])[0])
        guard let parts = reply.array, parts.count == 2, let removed = parts[0].int else {
            throw RedisError.unexpectedReply("trim-dead", reply)
        }
        return (Int(removed), parts[1].int == 1)
    }

    /// Redis' clock (`TIME`) in Unix milliseconds: the one clock every Forge process agrees on.
    public func serverTime() async throws(RedisError) -> Int64 {
        let reply = try await redis.command(["TIME"])
        guard let parts = reply.array, parts.count == 2, let seconds = parts[0].int, let micros = parts[1].int else {
            throw RedisError.unexpectedReply("TIME", reply)
        }
        return seconds * 1000 + micros / 1000
    }

    /// A duty script's reply, with `FENCED` and other error replies thrown.
    private func fenced(_ queue: QueueName, _ reply: RedisValue) throws -> RedisValue {
        guard case .error(let message) = reply else { return reply }
        if message.hasPrefix("FENCED") { throw QueueError.fenced(queue, message) }
        throw RedisError.server(message)
    }

    /// Retries a dead letter with fresh attempts; `false` if it is not in the queue's DLQ.
    public func reviveDead(_ id: JobID, queue: QueueName) async throws(RedisError) -> Bool {
        try await reviveDead([id], queue: queue) == 1
    }

    /// Deletes a dead letter; `false` if it is not in the queue's DLQ.
    public func removeDead(_ id: JobID, queue: QueueName) async throws(RedisError) -> Bool {
        try await removeDead([id], queue: queue) == 1
    }

    /// Every registered queue: each that had a job enqueued or was paused, and was not deleted since.
    public func queueNames() async throws(RedisError) -> [QueueName] {
        let reply = try await redis.command(["SMEMBERS", keys.queues])
        return (reply.array ?? []).compactMap { $0.string.flatMap { try? QueueName($0) } }.sorted()
    }

    /// The registered queues that are paused: one pipelined `EXISTS` per queue.
    public func pausedQueues() async throws(RedisError) -> [QueueName] {
        let names = try await queueNames()
        guard !names.isEmpty else { return [] }
        let replies = try await redis.pipeline(names.map { ["EXISTS", keys.queue($0).paused] })
        return zip(names, replies).compactMap { $1.int == 1 ? $0 : nil }
    }

    /// Whether `queue` is in the registry (one O(1) call, for routes about one queue).
    public func isRegistered(_ queue: QueueName) async throws(RedisError) -> Bool {
        try await redis.command(["SISMEMBER", keys.queues, queue.rawValue]).int == 1
    }

    /// Depth by state and the paused flag, in one round trip.
    public func status(_ queue: QueueName) async throws(RedisError) -> QueueStatus {
        try await statuses([queue])[0]
    }

    /// ``status(_:)`` of many queues, in one round trip per hundred queues.
    public func statuses(_ queues: [QueueName]) async throws(RedisError) -> [QueueStatus] {
        var statuses: [QueueStatus] = []
        statuses.reserveCapacity(queues.count)
        var start = 0
        while start < queues.count {
            let chunk = queues[start..<min(queues.count, start + 100)]
            let replies = try await redis.pipeline(chunk.flatMap(statusCommands))
            for (offset, queue) in chunk.enumerated() {
                let n = replies[(offset * 16)..<(offset * 16 + 16)].map { Int($0.int ?? 0) }
                let at = n.startIndex
                statuses.append(
                    QueueStatus(
                        name: queue,
                        paused: n[at + 5] == 1,
                        counts: QueueCounts(
                            scheduled: n[at],
                            pending: n[(at + 6)...].reduce(0, +),
                            active: n[at + 1],
                            retrying: n[at + 2],
                            dead: n[at + 3],
                            completed: n[at + 4]
                        )
                    )
                )
            }
            start += chunk.count
        }
        return statuses
    }

    /// Sixteen commands: the four sets, completed, paused, then the ten ready lists.
    private func statusCommands(_ queue: QueueName) -> [[String]] {
        let k = keys.queue(queue)
        return [
            ["ZCARD", k.scheduled], ["ZCARD", k.leased], ["ZCARD", k.retry], ["ZCARD", k.dead],
            ["HGET", k.stats, "completed"], ["EXISTS", k.paused],
        ] + k.readyLists.map { ["LLEN", $0] }
    }
}
